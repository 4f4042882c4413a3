import type { Invoice } from './invoice.schema';

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char]);
}

/** Minor units as a decimal amount (`4900` → `49.00`), by integer arithmetic. */
export function formatMinor(amount: number): string {
  return `${Math.trunc(amount / 100)}.${String(amount % 100).padStart(2, '0')}`;
}

/**
 * The invoice document's one style sheet, inline so the document stands alone. The console opens the document as a
 * blob of its own origin, which keeps the console's content security policy: that policy allows this sheet by its hash.
 */
export const INVOICE_DOCUMENT_STYLE = `
body { font-family: system-ui, sans-serif; margin: 2rem; color: #111; }
table { border-collapse: collapse; width: 100%; margin-top: 1rem; }
th, td { border-bottom: 1px solid #ccc; padding: .4rem; text-align: left; }
.n { text-align: right; font-variant-numeric: tabular-nums; }
@media print { body { margin: 0; } }
`;

/**
 * The printable invoice: one self-contained HTML page (no script, no external resource), styled for print so the
 * browser's "Save as PDF" gives the document to keep.
 */
export function invoiceDocument(invoice: Invoice): string {
  const rows = invoice.lineItems
    .map(
      (item) =>
        `<tr><td>${escapeHtml(item.description)}</td><td class="n">${item.units}</td><td class="n">${formatMinor(item.unitAmount)}</td><td class="n">${formatMinor(item.amount)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Invoice ${escapeHtml(invoice.number)}</title>
<style>${INVOICE_DOCUMENT_STYLE}</style>
</head>
<body>
<h1>Invoice ${escapeHtml(invoice.number)}</h1>
<dl>
<dt>Tenant</dt><dd>${escapeHtml(invoice.tenantId)}</dd>
<dt>Period</dt><dd>${escapeHtml(invoice.period.start.slice(0, 10))} to ${escapeHtml(invoice.period.end.slice(0, 10))} (exclusive)</dd>
<dt>Issued</dt><dd>${escapeHtml(invoice.issuedAt.slice(0, 10))} in ${escapeHtml(invoice.region)}</dd>
<dt>Payment</dt><dd>${escapeHtml(invoice.payment.status)} (${escapeHtml(invoice.payment.provider)})</dd>
</dl>
<table>
<thead><tr><th>Item</th><th class="n">Units</th><th class="n">Unit price (${invoice.currency})</th><th class="n">Amount (${invoice.currency})</th></tr></thead>
<tbody>
${rows}
</tbody>
<tfoot><tr><th colspan="3">Total</th><th class="n">${formatMinor(invoice.total)} ${invoice.currency}</th></tr></tfoot>
</table>
</body>
</html>
`;
}
