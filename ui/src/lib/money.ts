/**
 * Money arrives from Rust as exact decimal strings ("-1234.5", "98765432109876.54").
 * It is only ever formatted as text here: never parsed into a float.
 */

const PLAIN = /^(-?)(\d+)(?:\.(\d+))?$/;

/** Groups thousands and pads to at least 2 decimal places, keeping every digit. */
export function formatMoney(amount: string | null | undefined): string {
  if (amount === null || amount === undefined || amount === "") return "—";
  const m = PLAIN.exec(amount.trim());
  if (!m) return amount;
  const [, sign, whole = "0", frac = ""] = m;
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const decimals = frac.length >= 2 ? frac : frac.padEnd(2, "0");
  return `${sign === "-" ? "−" : ""}${grouped}.${decimals}`;
}

/** True for text the ledger accepts as an amount filter. */
export function isAmount(text: string): boolean {
  return PLAIN.test(text.trim());
}
