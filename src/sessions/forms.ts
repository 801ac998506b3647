/**
 * MCP form elicitations, as data: the flat `requestedSchema` an MCP server sends (MCP spec
 * 2025-06-18+, "Elicitation": an object of primitive properties — string with `minLength`,
 * `maxLength`, `format`; number/integer with `minimum`, `maximum`; boolean; a single choice as
 * `enum` (+ `enumNames`) or `oneOf: [{ const, title }]`; several choices as an `array` of such) read
 * into at most {@link MAX_FORM_FIELDS} fields, and the values a user typed or picked turned back
 * into typed `content`. Pure: no I/O.
 */

/** Discord shows at most five inputs in one modal (Discord API docs, "Using Modal Components"). */
export const MAX_FORM_FIELDS = 5;
/** A select menu holds at most 25 options (Discord API docs, "String Select"). */
const MAX_OPTIONS = 25;

export interface FormField {
  /** The property's name in the schema (and in `content`). */
  name: string;
  /** What the user sees: the property's `title`, else its name. */
  label: string;
  description: string | null;
  type: 'string' | 'number' | 'integer' | 'boolean' | 'choice' | 'choices';
  required: boolean;
  /** With `choice`/`choices` (and `boolean`: yes/no): the values and their labels. */
  options?: Array<{ value: string; label: string }>;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  /** With `choices`: how many may be picked. */
  minItems?: number;
  maxItems?: number;
  /** `email`, `uri`, `date`, `date-time` (checked loosely). */
  format?: string;
  /** The schema's default, as text. */
  defaultText?: string;
}

export type ParsedForm = { ok: true; fields: FormField[] } | { ok: false; reason: string };

type Prop = Record<string, unknown>;

/** Reads a `requestedSchema` (`order`: the properties' order, as the CLI's `property_order` gives it). */
export function parseFormSchema(schema: Record<string, unknown> | undefined, order?: readonly string[]): ParsedForm {
  const props = (schema?.properties ?? {}) as Record<string, Prop>;
  const names = order?.length ? order.filter((n) => n in props) : Object.keys(props);
  if (names.length === 0) return { ok: false, reason: 'the form has no fields' };
  if (names.length > MAX_FORM_FIELDS) {
    return { ok: false, reason: `the form has ${names.length} fields, and a Discord form holds at most ${MAX_FORM_FIELDS}` };
  }
  const required = new Set(Array.isArray(schema?.required) ? (schema.required as string[]) : []);
  const fields: FormField[] = [];
  for (const name of names) {
    const field = parseField(name, props[name]!, required.has(name));
    if (typeof field === 'string') return { ok: false, reason: `field "${name}" ${field}` };
    fields.push(field);
  }
  return { ok: true, fields };
}

function choicesOf(p: Prop): Array<{ value: string; label: string }> | null {
  if (Array.isArray(p.enum)) {
    const names = Array.isArray(p.enumNames) ? (p.enumNames as unknown[]) : [];
    return (p.enum as unknown[]).map((v, i) => ({ value: String(v), label: typeof names[i] === 'string' ? (names[i] as string) : String(v) }));
  }
  const list = (Array.isArray(p.oneOf) ? p.oneOf : Array.isArray(p.anyOf) ? p.anyOf : null) as Prop[] | null;
  if (!list || list.some((o) => o?.const === undefined)) return null;
  return list.map((o) => ({ value: String(o.const), label: typeof o.title === 'string' ? o.title : String(o.const) }));
}

/** A field, or why it cannot be shown. */
function parseField(name: string, p: Prop, required: boolean): FormField | string {
  const base = {
    name, label: typeof p.title === 'string' && p.title ? p.title : name,
    description: typeof p.description === 'string' ? p.description : null, required,
    ...(p.default !== undefined && typeof p.default !== 'object' ? { defaultText: String(p.default) } : {}),
  };
  const num = (k: string) => (typeof p[k] === 'number' ? (p[k] as number) : undefined);
  const choices = choicesOf(p);
  if (choices && p.type !== 'array') {
    if (choices.length > MAX_OPTIONS) return `offers ${choices.length} choices (at most ${MAX_OPTIONS} fit a menu)`;
    return { ...base, type: 'choice', options: choices };
  }
  switch (p.type) {
    case 'string':
      return { ...base, type: 'string', minLength: num('minLength'), maxLength: num('maxLength'), ...(typeof p.format === 'string' ? { format: p.format } : {}) };
    case 'number':
    case 'integer':
      return { ...base, type: p.type, minimum: num('minimum'), maximum: num('maximum') };
    case 'boolean':
      return { ...base, type: 'boolean', options: [{ value: 'true', label: 'Yes' }, { value: 'false', label: 'No' }] };
    case 'array': {
      const items = choicesOf((p.items ?? {}) as Prop);
      if (!items) return 'is a list of something other than choices';
      if (items.length > MAX_OPTIONS) return `offers ${items.length} choices (at most ${MAX_OPTIONS} fit a menu)`;
      return { ...base, type: 'choices', options: items, minItems: num('minItems'), maxItems: num('maxItems') };
    }
    default:
      return `has a type (${String(p.type)}) a Discord form cannot ask for`;
  }
}

/** Loose checks of the string formats MCP allows (the server validates for real). */
const FORMATS: Record<string, RegExp> = {
  email: /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
  uri: /^[a-z][a-z0-9+.-]*:\S+$/i,
  date: /^\d{4}-\d{2}-\d{2}$/,
  'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/,
};

/**
 * Turns what the user entered (text, or picked values, by field name) into the form's `content`;
 * an empty optional field is left out. `error` is a short text for the user naming the field.
 */
export function formContent(fields: readonly FormField[], values: Record<string, string | readonly string[] | undefined>):
  { ok: true; content: Record<string, string | number | boolean | string[]> } | { ok: false; error: string } {
  const content: Record<string, string | number | boolean | string[]> = {};
  for (const f of fields) {
    const raw = values[f.name];
    const picked = Array.isArray(raw) ? [...raw] : typeof raw === 'string' && raw.trim() !== '' ? [raw.trim()] : [];
    if (picked.length === 0) {
      if (f.required) return { ok: false, error: `**${f.label}** is required.` };
      continue;
    }
    const text = picked[0]!;
    switch (f.type) {
      case 'string':
        if (f.minLength !== undefined && text.length < f.minLength) return { ok: false, error: `**${f.label}** needs at least ${f.minLength} characters.` };
        if (f.maxLength !== undefined && text.length > f.maxLength) return { ok: false, error: `**${f.label}** takes at most ${f.maxLength} characters.` };
        if (f.format && FORMATS[f.format] && !FORMATS[f.format]!.test(text)) return { ok: false, error: `**${f.label}** must be a valid ${f.format}.` };
        content[f.name] = text;
        break;
      case 'number':
      case 'integer': {
        const n = Number(text.replace(',', '.'));
        if (!Number.isFinite(n) || (f.type === 'integer' && !Number.isInteger(n))) return { ok: false, error: `**${f.label}** must be ${f.type === 'integer' ? 'a whole number' : 'a number'}.` };
        if (f.minimum !== undefined && n < f.minimum) return { ok: false, error: `**${f.label}** must be at least ${f.minimum}.` };
        if (f.maximum !== undefined && n > f.maximum) return { ok: false, error: `**${f.label}** must be at most ${f.maximum}.` };
        content[f.name] = n;
        break;
      }
      case 'boolean':
        content[f.name] = text === 'true';
        break;
      case 'choice':
        if (!f.options!.some((o) => o.value === text)) return { ok: false, error: `**${f.label}** must be one of the choices.` };
        content[f.name] = text;
        break;
      case 'choices':
        if (picked.some((v) => !f.options!.some((o) => o.value === v))) return { ok: false, error: `**${f.label}** must be among the choices.` };
        content[f.name] = picked;
        break;
    }
  }
  return { ok: true, content };
}
