/**
 * Modals and select menus in the fake, after the Discord API docs ("Receiving and Responding to
 * Interactions": callback type 9 MODAL, answered by a type 5 MODAL_SUBMIT interaction; "Using Modal
 * Components": a modal has a `custom_id` ≤ 100 chars, a `title` ≤ 45 chars and 1–5 top-level
 * components — Label components (type 18, `label` ≤ 45 chars, `description` ≤ 100) each wrapping a
 * Text Input (type 4) or a String Select (type 3), or legacy action rows with one Text Input; the
 * submission mirrors that structure with each input's `value` or select's `values`. "String
 * Select": 1–25 options, `min_values`/`max_values`, the picked `values` among the options' values).
 */

export interface ModalData {
  custom_id: string;
  title: string;
  components: Array<Record<string, unknown>>;
}

type Input = { type: number; custom_id: string; required?: boolean; min_length?: number; max_length?: number; options?: Array<{ value: string }>; min_values?: number; max_values?: number };

/** The inputs of a modal, in order (inside Labels or legacy action rows). */
function inputsOf(modal: ModalData): Array<{ wrapper: Record<string, unknown>; input: Input }> {
  return modal.components.flatMap((c) => {
    if (c.type === 18) return [{ wrapper: c, input: c.component as Input }];
    if (c.type === 1) return ((c.components ?? []) as Input[]).map((input) => ({ wrapper: c, input }));
    return [];
  });
}

/** Why Discord would refuse this modal (50035 Invalid Form Body), or `null`. */
export function modalError(data: Partial<ModalData> | undefined): string | null {
  if (!data || typeof data.custom_id !== 'string' || data.custom_id.length > 100) return 'custom_id';
  if (typeof data.title !== 'string' || data.title.length < 1 || data.title.length > 45) return 'title';
  const comps = data.components ?? [];
  if (comps.length < 1 || comps.length > 5) return 'components';
  for (const c of comps) {
    if (c.type === 18 && (typeof c.label !== 'string' || c.label.length > 45 || String(c.description ?? '').length > 100)) return 'label';
    if (c.type !== 18 && c.type !== 1 && c.type !== 10) return 'component type';
  }
  for (const { input } of inputsOf(data as ModalData)) {
    if (![3, 4].includes(input.type) || !input.custom_id) return 'input';
    if (input.type === 3 && selectError(input, [])) return 'select';
  }
  return null;
}

/** Why these picked values would not be accepted by a select (`null` when fine; empty `values` only checks the menu). */
export function selectError(select: Input, values: readonly string[]): string | null {
  const options = select.options ?? [];
  if (options.length < 1 || options.length > 25) return 'a select has 1–25 options';
  if (values.length === 0) return null;
  const min = select.min_values ?? 1;
  const max = select.max_values ?? 1;
  if (values.length < min || values.length > max) return `pick ${min}–${max} values`;
  if (values.some((v) => !options.some((o) => o.value === v))) return 'a value is not among the options';
  return null;
}

/**
 * The `data` of a MODAL_SUBMIT for `modal`, the user having entered `values` (by input custom id:
 * text, or picked values). Throws what a real client would not let the user do (a required input
 * left empty, values a select does not offer, an unknown input).
 */
export function modalSubmitData(modal: ModalData, values: Record<string, string | string[]>) {
  const inputs = inputsOf(modal);
  for (const id of Object.keys(values)) if (!inputs.some((i) => i.input.custom_id === id)) throw new Error(`the modal has no input ${id}`);
  const submitted = (input: Input) => {
    const v = values[input.custom_id];
    if (input.type === 3) {
      const picked = Array.isArray(v) ? v : v === undefined || v === '' ? [] : [v];
      if (picked.length === 0 && input.required !== false && (input.min_values ?? 1) > 0) throw new Error(`select ${input.custom_id} is required`);
      const bad = selectError(input, picked);
      if (bad) throw new Error(`select ${input.custom_id}: ${bad}`);
      return { type: 3, custom_id: input.custom_id, values: picked };
    }
    const text = Array.isArray(v) ? v.join('') : v ?? '';
    if (text === '' && input.required !== false) throw new Error(`text input ${input.custom_id} is required`);
    if (input.max_length !== undefined && text.length > input.max_length) throw new Error(`text input ${input.custom_id} is too long`);
    return { type: 4, custom_id: input.custom_id, value: text };
  };
  const components = modal.components.flatMap((c, i): Array<Record<string, unknown>> => {
    if (c.type === 18) return [{ type: 18, id: i + 1, component: submitted(c.component as Input) }];
    if (c.type === 1) return [{ type: 1, id: i + 1, components: ((c.components ?? []) as Input[]).map(submitted) }];
    return [];
  });
  return { custom_id: modal.custom_id, components };
}
