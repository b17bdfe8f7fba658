/** A value of Stripe's form-encoded request body after bracket keys are expanded. */
export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormObject = { [key: string]: FormValue };

/**
 * Parses `application/x-www-form-urlencoded` with Stripe's bracket keys
 * (`line_items[0][price_data][unit_amount]=500`, `metadata[campaignId]=…`) into nested objects;
 * numeric keys become arrays, as the Stripe SDK encodes them.
 */
export function parseStripeForm(body: string): FormObject {
  const root: FormObject = {};
  for (const pair of body.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const rawKey = decode(eq < 0 ? pair : pair.slice(0, eq));
    const value = decode(eq < 0 ? '' : pair.slice(eq + 1));
    const path = rawKey.replace(/\]/g, '').split('[');
    let node: Record<string, FormValue> = root;
    path.forEach((segment, index) => {
      if (index === path.length - 1) {
        node[segment] = value;
        return;
      }
      node[segment] ??= {};
      node = node[segment] as Record<string, FormValue>;
    });
  }
  return toArrays(root) as FormObject;
}

function decode(text: string): string {
  return decodeURIComponent(text.replace(/\+/g, ' '));
}

function toArrays(value: FormValue): FormValue {
  if (typeof value === 'string' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  const converted = Object.fromEntries(keys.map((k) => [k, toArrays(value[k])]));
  const isList = keys.length > 0 && keys.every((k, i) => k === String(i));
  return isList ? keys.map((k) => converted[k]) : converted;
}
