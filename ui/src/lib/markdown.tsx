import { Fragment, type ReactNode } from "react";

/**
 * The small Markdown a procedure's step uses: paragraphs, `- ` lists,
 * **bold**, *italic* and `code`. Rendered as React elements, never as HTML,
 * so a step's text cannot inject markup.
 */
export function Markdown({ text }: { text: string }) {
  const blocks: ReactNode[] = [];
  let list: string[] = [];
  let para: string[] = [];
  const flush = () => {
    if (para.length) blocks.push(<p key={blocks.length}>{inline(para.join(" "))}</p>);
    if (list.length)
      blocks.push(
        <ul key={blocks.length}>
          {list.map((item, i) => (
            <li key={i}>{inline(item)}</li>
          ))}
        </ul>,
      );
    para = [];
    list = [];
  };
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    const item = /^[-*] +(.*)$/.exec(line);
    if (item) {
      if (para.length) {
        const items = list;
        list = [];
        flush();
        list = items;
      }
      list.push(item[1] ?? "");
    } else if (line === "") {
      flush();
    } else {
      if (list.length) flush();
      para.push(line);
    }
  }
  flush();
  return <div className="markdown">{blocks}</div>;
}

/** **bold**, *italic* and `code` within a line. */
export function inline(text: string): ReactNode[] {
  const out: ReactNode[] = [];
  const re = /\*\*([^*]+)\*\*|\*([^*]+)\*|`([^`]+)`/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) out.push(<Fragment key={out.length}>{text.slice(last, m.index)}</Fragment>);
    if (m[1] !== undefined) out.push(<strong key={out.length}>{m[1]}</strong>);
    else if (m[2] !== undefined) out.push(<em key={out.length}>{m[2]}</em>);
    else out.push(<code key={out.length}>{m[3]}</code>);
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(<Fragment key={out.length}>{text.slice(last)}</Fragment>);
  return out;
}
