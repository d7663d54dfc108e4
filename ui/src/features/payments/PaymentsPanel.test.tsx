import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor, within } from "@testing-library/react";
import { render } from "../../test/render";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { ApiError, PaymentView, RecordPaymentRequest } from "../../bindings";
import { PaymentsPanel, paymentStateLabel, today } from "./PaymentsPanel";

function payment(id: number, patch: Partial<PaymentView> = {}): PaymentView {
  return {
    id,
    tenantId: "t-1",
    state: "queued",
    invoiceId: "inv-1",
    documentNumber: "INV-0007",
    documentType: "ACCREC",
    contactName: "Café Ōtautahi",
    accountId: "acc-bank",
    accountName: "Business Bank",
    amount: "98765432109876.54",
    currencyCode: "NZD",
    date: "2026-11-20",
    reference: "Nov",
    attempts: 0,
    error: null,
    errors: [],
    paymentId: null,
    createdAt: "2026-11-20T00:00:00.000Z",
    updatedAt: "2026-11-20T00:00:00.000Z",
    ...patch,
  };
}

function backend(opts: { refuse?: ApiError; list?: PaymentView[] } = {}) {
  const sent: RecordPaymentRequest[] = [];
  const cancelled: number[] = [];
  let list = opts.list ?? [];
  mockIPC((cmd, args) => {
    const a = (args as { request?: unknown }).request;
    switch (cmd) {
      case "payment_accounts":
        return [
          { accountId: "acc-bank", code: "090", name: "Business Bank", accountType: "BANK", currencyCode: "NZD" },
          { accountId: "acc-usd", code: "091", name: "USD Account", accountType: "BANK", currencyCode: "USD" },
        ];
      case "list_payments":
        return list;
      case "record_payment": {
        const req = a as RecordPaymentRequest;
        sent.push(req);
        if (opts.refuse) throw opts.refuse;
        const p = payment(9, { amount: req.amount, accountId: req.accountId, date: req.date, reference: req.reference ?? "" });
        list = [...list, p];
        return p;
      }
      case "cancel_payment": {
        const { id } = a as { id: number };
        cancelled.push(id);
        list = list.map((p) => (p.id === id ? { ...p, state: "cancelled" as const } : p));
        return list.find((p) => p.id === id);
      }
      default:
        throw { code: "internal", message: `unexpected ${cmd}` };
    }
  });
  return { sent, cancelled };
}

describe("recording a payment", () => {
  it("sends the amount as the text typed, with the chosen account, date and reference", async () => {
    const { sent } = backend();
    const user = userEvent.setup();
    render(<PaymentsPanel tenantId="t-1" invoiceId="inv-1" canPay />);
    const form = await screen.findByRole("form", { name: "Record payment" });
    await waitFor(() => expect(within(form).getByLabelText("Paid from / into")).toHaveValue("acc-bank"));
    expect(within(form).getByLabelText("Date")).toHaveValue(today());
    await user.type(within(form).getByLabelText("Amount"), "1234.10");
    await user.selectOptions(within(form).getByLabelText("Paid from / into"), "acc-usd");
    await user.clear(within(form).getByLabelText("Date"));
    await user.type(within(form).getByLabelText("Date"), "2026-11-21");
    await user.type(within(form).getByLabelText("Reference"), "Deposit");
    await user.click(within(form).getByRole("button", { name: "Record payment" }));
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]).toEqual({ tenantId: "t-1", invoiceId: "inv-1", accountId: "acc-usd", amount: "1234.10", date: "2026-11-21", reference: "Deposit" });
    expect(await screen.findByTestId("payment-state-9")).toHaveTextContent("Queued");
    expect(screen.getByTestId("payment-9")).toHaveTextContent("NZD 1,234.10");
  });

  it("shows each refused field beside its input, and marks the input invalid", async () => {
    backend({
      refuse: {
        code: "invalid",
        message: "2 fields need attention: amount, date.",
        fields: [
          { field: "amount", message: "The amount is more than is due: NZD 20.00." },
          { field: "date", message: "The books are locked up to 2026-06-30: choose a later date." },
        ],
      },
    });
    const user = userEvent.setup();
    render(<PaymentsPanel tenantId="t-1" invoiceId="inv-1" canPay />);
    const form = await screen.findByRole("form", { name: "Record payment" });
    await user.type(within(form).getByLabelText("Amount"), "25");
    await user.click(within(form).getByRole("button", { name: "Record payment" }));
    expect(await screen.findByTestId("error-amount")).toHaveTextContent("more than is due: NZD 20.00");
    expect(screen.getByTestId("error-date")).toHaveTextContent("locked up to 2026-06-30");
    expect(screen.queryByTestId("error-accountId")).toBeNull();
    const amount = within(form).getByLabelText("Amount");
    expect(amount).toHaveAttribute("aria-invalid", "true");
    expect(amount).toHaveAccessibleDescription("The amount is more than is due: NZD 20.00.");
    // The summary sentence is not repeated when every field has its own message.
    expect(screen.queryByText("2 fields need attention: amount, date.")).toBeNull();
  });

  it("lists each payment's state, Xero's reasons for a refusal, and cancels only queued ones", async () => {
    const { cancelled } = backend({
      list: [
        payment(1),
        payment(2, { state: "sending", error: "Not sent yet: could not connect." }),
        payment(3, { state: "recorded", paymentId: "pay-3" }),
        payment(4, {
          state: "failed",
          error: "Payment amount exceeds the amount outstanding on this document (1.00)",
          errors: [{ field: "amount", message: "Payment amount exceeds the amount outstanding on this document (1.00)" }],
        }),
        payment(5, { state: "cancelled" }),
      ],
    });
    const user = userEvent.setup();
    render(<PaymentsPanel tenantId="t-1" invoiceId="inv-1" canPay={false} />);
    const list = await screen.findByTestId("payment-list");
    expect(screen.queryByRole("form", { name: "Record payment" })).toBeNull();
    expect(within(list).getByTestId("payment-state-1")).toHaveTextContent("Queued");
    expect(within(list).getByTestId("payment-state-2")).toHaveTextContent("Sending");
    expect(within(list).getByTestId("payment-2")).toHaveTextContent("could not connect");
    expect(within(list).getByTestId("payment-state-3")).toHaveTextContent("Recorded in Xero");
    expect(within(list).getByTestId("payment-state-4")).toHaveTextContent("Failed");
    expect(within(list).getByTestId("payment-4")).toHaveTextContent("amount: Payment amount exceeds the amount outstanding");
    expect(within(list).getByTestId("payment-state-5")).toHaveTextContent("Cancelled");
    expect(within(list).getByTestId("payment-1")).toHaveTextContent("NZD 98,765,432,109,876.54");
    expect(within(list).getAllByRole("button", { name: "Cancel payment" })).toHaveLength(1);
    await user.click(within(list).getByRole("button", { name: "Cancel payment" }));
    await waitFor(() => expect(screen.getByTestId("payment-state-1")).toHaveTextContent("Cancelled"));
    expect(cancelled).toEqual([1]);
    expect(screen.queryByRole("button", { name: "Cancel payment" })).toBeNull();
  });
});

describe("a payment whose outcome is unknown", () => {
  it("is labelled unknown, checked on each sync: never failed, never sending", () => {
    const label = paymentStateLabel("unknown");
    expect(label).toBe("Unknown — Ledgerkeep checks the invoice in Xero on each sync");
    expect(label).not.toBe(paymentStateLabel("failed"));
    expect(label).not.toBe(paymentStateLabel("sending"));
  });

  it("shows that label and its reason in the list, without a cancel button", async () => {
    const reason = "Unknown: Xero did not answer the first send, and refused the retry (HTTP 403).";
    backend({ list: [payment(6, { state: "unknown", attempts: 2, error: reason })] });
    render(<PaymentsPanel tenantId="t-1" invoiceId="inv-1" canPay={false} />);
    const list = await screen.findByTestId("payment-list");
    const state = within(list).getByTestId("payment-state-6");
    expect(state).toHaveTextContent("Unknown — Ledgerkeep checks the invoice in Xero on each sync");
    expect(state).not.toHaveTextContent("Failed");
    expect(state).not.toHaveTextContent("Sending");
    expect(within(list).getByTestId("payment-6")).toHaveTextContent("refused the retry (HTTP 403)");
    expect(within(list).queryByRole("button", { name: "Cancel payment" })).toBeNull();
  });

  it("a queued payment shows why it waits (not permitted)", async () => {
    backend({ list: [payment(7, { error: "Not permitted: Xero does not let this sign-in record payments." })] });
    render(<PaymentsPanel tenantId="t-1" invoiceId="inv-1" canPay={false} />);
    const item = await screen.findByTestId("payment-7");
    expect(within(item).getByTestId("payment-state-7")).toHaveTextContent("Queued");
    expect(item).toHaveTextContent("Not permitted: Xero does not let this sign-in record payments.");
  });
});
