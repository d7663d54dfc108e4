import { useQueryClient } from "@tanstack/react-query";
import { createContext, useContext, useMemo, useState, type ReactNode } from "react";
import { commands, type LedgerOrganisation } from "../bindings";
import { useCommandQuery, type CommandState } from "./query";
import { formatInstant } from "../lib/format";

const KEY = "ledgerkeep.organisation";

interface OrganisationContextValue {
  organisations: CommandState<LedgerOrganisation[]>;
  current: LedgerOrganisation | null;
  choose: (tenantId: string) => void;
  /** Reads the list again (after a sync brought new organisations). */
  reload: () => void;
}

const OrganisationContext = createContext<OrganisationContextValue>({
  organisations: { state: "loading" },
  current: null,
  choose: () => undefined,
  reload: () => undefined,
});

/**
 * Reads the ledger's organisations and remembers which one the owner is looking at. A finished
 * sync (the ledger-changed event) may bring organisations or a fresher "synced" time: the cache
 * reads them again.
 */
export function OrganisationProvider({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const { result: organisations } = useCommandQuery(["organisations"], commands.organisations);
  const [chosen, setChosen] = useState<string | null>(() => localStorage.getItem(KEY));
  const value = useMemo<OrganisationContextValue>(() => {
    const list = organisations.state === "ok" ? organisations.data : [];
    const current = list.find((o) => o.tenantId === chosen) ?? list[0] ?? null;
    return {
      organisations,
      current,
      choose: (tenantId) => {
        localStorage.setItem(KEY, tenantId);
        setChosen(tenantId);
      },
      reload: () => void client.invalidateQueries({ queryKey: ["organisations"] }),
    };
  }, [organisations, chosen, client]);
  return <OrganisationContext.Provider value={value}>{children}</OrganisationContext.Provider>;
}

export function useOrganisation(): OrganisationContextValue {
  return useContext(OrganisationContext);
}

/** The IANA timezone of the organisation being looked at (instants are shown in it); null for none. */
export function useOrganisationZone(): string | null {
  return useContext(OrganisationContext).current?.ianaTimezone ?? null;
}

/** The sidebar's switcher: one click (or one key) to look at another organisation. */
export function OrganisationSwitcher() {
  const { organisations, current, choose } = useOrganisation();
  if (organisations.state !== "ok" || organisations.data.length === 0 || !current) return null;
  return (
    <div className="org-switcher">
      <label htmlFor="organisation">Organisation</label>
      <select id="organisation" data-testid="organisation" value={current.tenantId} onChange={(e) => choose(e.target.value)}>
        {organisations.data.map((o) => (
          <option key={o.tenantId} value={o.tenantId}>
            {o.name}
          </option>
        ))}
      </select>
      <span className="muted freshness" data-testid="freshness">
        {current.lastSyncedUtc ? `Synced ${formatInstant(current.lastSyncedUtc, current.ianaTimezone)}` : "Not synced yet"}
      </span>
    </div>
  );
}
