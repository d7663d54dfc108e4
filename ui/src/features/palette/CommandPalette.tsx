import { useNavigate } from "@tanstack/react-router";
import { useEffect, useId, useMemo, useRef, useState } from "react";
import { commands, type EntityKind, type QuickFindView } from "../../bindings";
import { useOrganisation } from "../../app/organisation";
import { useCommandQuery } from "../../app/query";
import { useOpenRecord } from "../../app/records";
import { SCREENS } from "../../app/screens";
import { ErrorNotice } from "../../components/ErrorNotice";

/** How long typing pauses before the ledger is asked. */
const WAIT_MS = 120;
/** How many of each kind the palette shows. */
const EACH = 6;

const ENTITY_NOUN: Partial<Record<EntityKind, string>> = {
  invoice: "Invoice",
  creditNote: "Credit note",
  payment: "Payment",
  overpayment: "Overpayment",
  prepayment: "Prepayment",
  bankTransaction: "Bank transaction",
  bankTransfer: "Bank transfer",
  manualJournal: "Manual journal",
  purchaseOrder: "Purchase order",
  quote: "Quote",
  repeatingInvoice: "Repeating invoice",
  batchPayment: "Batch payment",
};

/** One thing the palette can open. */
interface Choice {
  id: string;
  group: string;
  label: string;
  detail: string;
  open: () => void;
}

/** Whether a key press opens the palette: Ctrl+K, or ⌘K on macOS. */
export function isPaletteKey(e: Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "altKey" | "shiftKey">): boolean {
  return (e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === "k";
}

/**
 * The Ctrl-K / ⌘K palette: one search over documents (numbers, references, contacts' names,
 * line descriptions), contacts, accounts, attachments' file names and the screens. Arrow keys
 * move, Enter opens, Escape closes and gives the focus back.
 */
export function CommandPalette() {
  const [open, setOpen] = useState(false);
  const back = useRef<HTMLElement | null>(null);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!isPaletteKey(e)) return;
      e.preventDefault();
      back.current = document.activeElement as HTMLElement | null;
      setOpen(true);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  if (!open) return null;
  const close = () => {
    setOpen(false);
    back.current?.focus();
  };
  return <Palette onClose={close} />;
}

function Palette({ onClose }: { onClose: () => void }) {
  const { current } = useOrganisation();
  const tenantId = current?.tenantId ?? null;
  const navigate = useNavigate();
  const openRecord = useOpenRecord();
  const [text, setText] = useState("");
  const [asked, setAsked] = useState("");
  // The chosen line, forgotten when the choices change.
  const [cursor, setCursor] = useState({ key: "", i: 0 });
  const listId = useId();
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => input.current?.focus(), []);
  useEffect(() => {
    const t = setTimeout(() => setAsked(text.trim()), WAIT_MS);
    return () => clearTimeout(t);
  }, [text]);

  const request = tenantId && asked ? { tenantId, text: asked, limit: EACH } : null;
  const { result } = useCommandQuery<QuickFindView>(["quickFind", request], request ? () => commands.quickFind(request) : null, {
    placeholderData: (previous) => previous,
  });

  const choices = useMemo(() => {
    const go = (f: () => void) => () => {
      onClose();
      f();
    };
    const words = text.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const out: Choice[] = SCREENS.filter((s) => words.length > 0 && words.every((w) => s.title.toLowerCase().includes(w))).map((s) => ({
      id: `screen-${s.slug}`,
      group: "Screens",
      label: s.title,
      detail: "Screen",
      open: go(() => void navigate({ to: "/$screen", params: { screen: s.slug } })),
    }));
    const found = result.state === "ok" && asked ? result.data : null;
    for (const d of found?.documents ?? []) {
      const r = d.row;
      out.push({
        id: `doc-${d.entity}-${r.xeroId}`,
        group: "Documents",
        label: [r.number || r.reference || ENTITY_NOUN[d.entity] || d.entity, r.contactName].filter(Boolean).join(" · "),
        detail: [ENTITY_NOUN[d.entity] ?? d.entity, r.date, r.total ? `${r.currencyCode ?? ""} ${r.total}`.trim() : null].filter(Boolean).join(" · "),
        open: go(() => openRecord({ entity: d.entity, xeroId: r.xeroId })),
      });
    }
    for (const c of found?.contacts ?? []) {
      out.push({
        id: `contact-${c.xeroId}`,
        group: "Contacts",
        label: c.name ?? c.xeroId,
        detail: c.email ?? "Contact",
        open: go(() => void navigate({ to: "/$screen", params: { screen: "contacts" }, search: { text: c.name ?? "" } })),
      });
    }
    for (const a of found?.accounts ?? []) {
      out.push({
        id: `account-${a.xeroId}`,
        group: "Accounts",
        label: [a.code, a.name].filter(Boolean).join(" "),
        detail: `Account${a.accountType ? ` · ${a.accountType}` : ""}: its general ledger`,
        open: go(() => void navigate({ to: "/$screen", params: { screen: "general-ledger" }, search: { account: a.xeroId } })),
      });
    }
    for (const f of found?.attachments ?? []) {
      out.push({
        id: `file-${f.attachmentId}`,
        group: "Files",
        label: f.fileName,
        detail: `File of a ${(ENTITY_NOUN[f.entity] ?? f.entity).toLowerCase()}`,
        open: go(() => openRecord({ entity: f.entity, xeroId: f.recordId })),
      });
    }
    return out;
  }, [text, asked, result, navigate, openRecord, onClose]);

  const choicesKey = `${asked}\u0000${choices.map((c) => c.id).join("\u0000")}`;
  const active = cursor.key === choicesKey ? cursor.i : 0;
  const setActive = (i: number) => setCursor({ key: choicesKey, i });

  const onKey = (e: React.KeyboardEvent) => {
    if (e.key === "Escape") {
      e.preventDefault();
      onClose();
    } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (choices.length === 0) return;
      setActive((active + (e.key === "ArrowDown" ? 1 : choices.length - 1)) % choices.length);
    } else if (e.key === "Enter") {
      e.preventDefault();
      choices[active]?.open();
    }
  };

  const searching = request !== null && (result.state === "loading" || asked !== text.trim());
  return (
    <div className="palette-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()} data-testid="palette">
      <div className="palette" role="dialog" aria-modal="true" aria-label="Find anything" onKeyDown={onKey}>
        <input
          ref={input}
          type="search"
          role="combobox"
          aria-expanded={choices.length > 0}
          aria-controls={listId}
          aria-activedescendant={choices[active] ? `${listId}-${choices[active].id}` : undefined}
          aria-autocomplete="list"
          placeholder={tenantId ? "Find a document, contact, account, file or screen" : "Find a screen"}
          value={text}
          onChange={(e) => setText(e.target.value)}
          data-testid="palette-input"
        />
        {result.state === "error" && request ? <ErrorNotice error={result.error} /> : null}
        <ul id={listId} role="listbox" aria-label="Found" className="palette-list" data-testid="palette-results">
          {choices.flatMap((c, i) => {
            const heading = i === 0 || choices[i - 1]?.group !== c.group ? c.group : null;
            const option = (
              <li
                key={c.id}
                id={`${listId}-${c.id}`}
                role="option"
                aria-selected={i === active}
                className={i === active ? "active" : undefined}
                onMouseEnter={() => setActive(i)}
                onClick={c.open}
                data-testid="palette-choice"
              >
                <span className="palette-label">{c.label}</span>
                <span className="palette-detail">{c.detail}</span>
              </li>
            );
            return heading
              ? [
                  <li key={`group-${heading}`} role="presentation" className="palette-group">
                    {heading}
                  </li>,
                  option,
                ]
              : [option];
          })}
        </ul>
        <p className="palette-status" role="status" aria-live="polite">
          {text.trim() === ""
            ? "Type to find anything in this organisation's books."
            : searching
              ? "Searching…"
              : choices.length === 0
                ? `Nothing holds “${text.trim()}”.`
                : `${choices.length} found. ↑ ↓ to move, Enter to open, Esc to close.`}
        </p>
      </div>
    </div>
  );
}
