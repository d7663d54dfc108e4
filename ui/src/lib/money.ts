/**
 * Money arrives from Rust as exact decimal strings ("-1234.5", "98765432109876.54").
 * It is only ever formatted as text (`formatMoney`, in the owner's locale: see ./format.ts),
 * never parsed into a float.
 */

export { formatAmount, formatMoney } from "./format";

const PLAIN = /^(-?)(\d+)(?:\.(\d+))?$/;

/** True for text the ledger accepts as an amount filter. */
export function isAmount(text: string): boolean {
  return PLAIN.test(text.trim());
}
