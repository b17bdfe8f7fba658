type Session = Record<string, unknown>;

const escape = (text: unknown) =>
  String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const money = (cents: unknown, currency: unknown) => `${(Number(cents) / 100).toFixed(2)} ${String(currency).toUpperCase()}`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}
table{width:100%;border-collapse:collapse}td{padding:.4rem 0;border-bottom:1px solid #ddd}
button{font-size:1.1rem;padding:.6rem 2rem;margin-top:1.5rem;cursor:pointer}.note{color:#666;font-size:.9rem}</style>
</head><body>${body}</body></html>`;
}

/** The fake's hosted checkout page: the line items and a "Pay" button that completes the session. */
export function checkoutPage(session: Session): string {
  const items = (session.line_items as { data: { description: string; quantity: number; amount_total: number }[] }).data;
  const rows = items
    .map((i) => `<tr><td>${escape(i.description)} × ${i.quantity}</td><td align="right">${money(i.amount_total, session.currency)}</td></tr>`)
    .join('');
  const action =
    session.status === 'open'
      ? `<form method="post" action="/checkout/${escape(session.id)}/pay"><button type="submit">Pay ${money(session.amount_total, session.currency)}</button></form>`
      : `<p>This checkout session is <strong>${escape(session.status)}</strong>.</p>`;
  return layout(
    'Fake Stripe Checkout',
    `<h1>Fake Stripe Checkout</h1><p class="note">Local test server: no card is charged.</p>
<table>${rows}<tr><td><strong>Total</strong></td><td align="right"><strong>${money(session.amount_total, session.currency)}</strong></td></tr></table>${action}`,
  );
}

/** Shown after "Pay": the webhook has been sent; links back to the platform. */
export function paidPage(session: Session): string {
  return layout(
    'Payment received',
    `<h1>Payment received</h1><p>${money(session.amount_total, session.currency)} paid; the platform was notified.</p>
<p><a href="${escape(session.success_url)}">Return to the platform</a></p>`,
  );
}
