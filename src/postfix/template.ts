/**
 * The snippet templates under templates/ are plain Postfix files with two kinds of markup:
 * `{{name}}` is replaced by a value, and a line that starts with `{{?flag}}` is kept (without the
 * marker) only when `flag` is true. The CLI reads the files; this module only renders text.
 */

/** What a template is rendered with: values for `{{name}}` and switches for `{{?flag}}` lines. */
export interface TemplateInput {
  values: Readonly<Record<string, string>>;
  flags: Readonly<Record<string, boolean>>;
}

/**
 * Renders `template`. Throws an Error naming the placeholder when the template uses a value or flag
 * that `input` does not define: that is a bug in spfdk's templates, not a user error.
 */
export function renderTemplate(template: string, input: TemplateInput, name = "template"): string {
  const out: string[] = [];
  for (const line of template.split("\n")) {
    let text = line;
    const cond = /^\{\{\?([a-z_]+)\}\}/.exec(text);
    if (cond) {
      const flag = input.flags[cond[1]!];
      if (flag === undefined) throw new Error(`${name}: unknown flag {{?${cond[1]}}}`);
      if (!flag) continue;
      text = text.slice(cond[0].length);
    }
    out.push(
      text.replace(/\{\{([a-z_]+)\}\}/g, (_m, key: string) => {
        const v = input.values[key];
        if (v === undefined) throw new Error(`${name}: unknown placeholder {{${key}}}`);
        return v;
      }),
    );
  }
  return out.join("\n");
}
