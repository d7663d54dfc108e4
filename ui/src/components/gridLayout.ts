import type { CSSProperties } from "react";
import type { Column } from "@tanstack/react-table";

/**
 * About how many characters `formatAmount(currency, amount)` draws, without formatting it:
 * the digits, one group separator per three whole digits, the sign, and the currency and its
 * space. A virtualised grid cannot measure its cells, so its money columns are sized from this.
 */
export function amountChars(currency: string | null | undefined, amount: string | null | undefined): number {
  if (!amount) return 0;
  const whole = amount.replace(/^-/, "").split(".")[0]?.length ?? 0;
  const groups = Math.max(0, Math.floor((whole - 1) / 3));
  return amount.length + groups + (currency ? currency.length + 1 : 0);
}

/**
 * A virtualised grid's cell width: text columns their size (growing into spare room, cut with
 * an ellipsis); money columns at least as wide as their widest amount (`chars`, plus slack for
 * the currency's capitals), never shrinking and never cut.
 */
export function gridCellStyle<T>(column: Column<T, unknown>, chars: number): CSSProperties {
  const size = column.getSize();
  const { header, meta } = column.columnDef;
  // Its header is on one line too (bold, so a little wider than its letters).
  const widest = Math.max(chars, typeof header === "string" ? Math.ceil(header.length * 1.15) : 0);
  if (meta?.amount) return { width: `max(${size}px, calc(${widest + 2}ch + 20px))`, flex: "none" };
  return { width: size, flex: "1 0 auto" };
}
