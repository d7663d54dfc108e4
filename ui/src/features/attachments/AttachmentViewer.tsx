import { useEffect, useRef, useState } from "react";
import { commands, type ApiError, type EntityKind } from "../../bindings";
import { settle, useCommandQuery } from "../../app/query";
import { ErrorNotice } from "../../components/ErrorNotice";

/** An attachment as a list gives it: the record page's rows and `documentAttachments`' both fit. */
export interface AttachmentRef {
  attachmentId: string;
  fileName: string;
  mimeType: string | null;
  /** In bytes, when known. */
  size?: number;
}

/** The bytes of a base64 text. */
export function bytesOf(base64: string): Uint8Array {
  const text = atob(base64);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** "Open with…": a checked copy of the file, opened in the app the OS chooses for it. */
function OpenWith({ tenantId, attachment }: { tenantId: string; attachment: AttachmentRef }) {
  const [error, setError] = useState<ApiError | null>(null);
  const [opened, setOpened] = useState(false);
  const open = async () => {
    setOpened(false);
    const r = await settle(() => commands.openAttachment({ tenantId, attachmentId: attachment.attachmentId }));
    if (r.state === "error") setError(r.error);
    else if (r.state === "ok") {
      setError(null);
      setOpened(true);
    }
  };
  return (
    <span className="attachment-open">
      <button
        type="button"
        data-testid="attachment-open-with"
        aria-label={`Open ${attachment.fileName} with another app`}
        onClick={() => void open()}
      >
        Open with…
      </button>
      {opened && (
        <span role="status" className="muted" data-testid="attachment-opened">
          {" "}
          Opened in another app.
        </span>
      )}
      {error && <ErrorNotice error={error} onRetry={() => void open()} testId="attachment-open-error" />}
    </span>
  );
}

type Drawing = { state: "drawing" } | { state: "drawn"; pages: number; drawn: number } | { state: "failed"; message: string };

/** A PDF's pages, drawn by pdf.js (loaded with the first PDF shown). */
function PdfPages({ base64, fileName }: { base64: string; fileName: string }) {
  const into = useRef<HTMLDivElement>(null);
  const [drawing, setDrawing] = useState<Drawing>({ state: "drawing" });
  useEffect(() => {
    const el = into.current;
    if (!el) return;
    let stopped = false;
    setDrawing({ state: "drawing" });
    const width = Math.max(320, Math.min(el.clientWidth || 800, 1000));
    import("./pdf")
      .then(({ drawPdf }) => drawPdf(bytesOf(base64), el, width, () => stopped))
      .then(
        (d) => {
          if (!stopped) setDrawing({ state: "drawn", ...d });
        },
        (e: unknown) => {
          if (!stopped) setDrawing({ state: "failed", message: e instanceof Error ? e.message : String(e) });
        },
      );
    return () => {
      stopped = true;
      el.replaceChildren();
    };
  }, [base64]);
  return (
    <>
      {drawing.state === "drawing" && <p role="status">Drawing {fileName}…</p>}
      {drawing.state === "failed" && (
        <p role="alert" className="error" data-testid="attachment-pdf-failed">
          This PDF could not be drawn here ({drawing.message}). Open it with another app instead.
        </p>
      )}
      {drawing.state === "drawn" && drawing.drawn < drawing.pages && (
        <p className="muted" data-testid="attachment-pdf-more">
          The first {drawing.drawn} of {drawing.pages} pages; open it with another app for the rest.
        </p>
      )}
      <div ref={into} className="pdf-pages" data-testid="attachment-pdf" aria-label={fileName} />
    </>
  );
}

export interface AttachmentViewerProps {
  tenantId: string;
  attachment: AttachmentRef;
}

/**
 * One attachment, from this computer: its bytes are checked against the hash the ledger recorded
 * before anything is shown. PDFs are drawn with pdf.js, images shown as they are, anything else
 * offered to another app ("Open with…", which every kind also has).
 */
export function AttachmentViewer({ tenantId, attachment }: AttachmentViewerProps) {
  const { result, reload } = useCommandQuery(["attachmentFile", tenantId, attachment.attachmentId], () =>
    commands.attachmentFile({ tenantId, attachmentId: attachment.attachmentId }),
  );
  return (
    <figure className="attachment-viewer" data-testid="attachment-viewer">
      <figcaption>
        <strong>{attachment.fileName}</strong> <OpenWith tenantId={tenantId} attachment={attachment} />
      </figcaption>
      {result.state === "loading" && <p role="status">Reading {attachment.fileName}…</p>}
      {result.state === "error" && <ErrorNotice error={result.error} onRetry={reload} testId="attachment-error" />}
      {result.state === "ok" && result.data.attachment.show === "pdf" && (
        <PdfPages base64={result.data.base64} fileName={attachment.fileName} />
      )}
      {result.state === "ok" && result.data.attachment.show === "image" && (
        <img
          className="attachment-image"
          data-testid="attachment-image"
          alt={attachment.fileName}
          src={`data:${result.data.attachment.mimeType ?? "image/png"};base64,${result.data.base64}`}
        />
      )}
      {result.state === "ok" && result.data.attachment.show === "other" && (
        <p className="muted" data-testid="attachment-other">
          Ledgerkeep does not show this kind of file itself: open it with another app.
        </p>
      )}
    </figure>
  );
}

/** KB or MB, for a file's size. */
function fileSize(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export interface AttachmentListProps {
  tenantId: string;
  entity: EntityKind;
  xeroId: string;
  /** The rows the caller has already (the record page's); read from the ledger when absent. */
  attachments?: AttachmentRef[];
}

/**
 * A document's attachments kept on this computer, by file name; the one chosen is shown below
 * ({@link AttachmentViewer}).
 */
export function AttachmentList({ tenantId, entity, xeroId, attachments }: AttachmentListProps) {
  const { result } = useCommandQuery(
    ["documentAttachments", tenantId, entity, xeroId],
    attachments ? null : () => commands.documentAttachments({ tenantId, entity, xeroId }),
  );
  const rows: AttachmentRef[] | null = attachments ?? (result.state === "ok" ? result.data : null);
  const [chosen, choose] = useState<string | null>(null);
  const shown = rows?.find((a) => a.attachmentId === chosen) ?? null;
  if (!attachments && result.state === "error") return <ErrorNotice error={result.error} testId="attachments-error" />;
  if (!rows) return <p role="status">Reading the attachments…</p>;
  if (rows.length === 0)
    return (
      <p className="muted" data-testid="attachments-none">
        No file of this record is kept on this computer.
      </p>
    );
  return (
    <div className="attachments" data-testid="attachment-list">
      <ul>
        {rows.map((a) => (
          <li key={a.attachmentId}>
            <button
              type="button"
              data-testid={`attachment-${a.attachmentId}`}
              aria-pressed={a.attachmentId === chosen}
              onClick={() => choose(a.attachmentId === chosen ? null : a.attachmentId)}
            >
              {a.fileName}
            </button>
            {a.size !== undefined && <span className="muted"> {fileSize(a.size)}</span>}
          </li>
        ))}
      </ul>
      {shown && <AttachmentViewer key={shown.attachmentId} tenantId={tenantId} attachment={shown} />}
    </div>
  );
}
