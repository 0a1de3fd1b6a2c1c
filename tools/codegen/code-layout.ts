/** Line layout for generated code: two-space indents, lines kept near LINE_WIDTH by breaking calls. */

export const LINE_WIDTH = 110;

const CONTROLLED = '\u0001';

/** The one-line form of a `controlled` statement. */
export function flatten(text: string): string {
  return text.replaceAll(CONTROLLED, ' ');
}

/** `if (…) body` or `for (…) body`: laid out by CodeBuilder.line on one line or as a block. */
export function controlled(head: string, body: string): string {
  return `${head}${CONTROLLED}${body}`;
}

/** Collects lines at the current indentation. */
export class CodeBuilder {
  private readonly lines: string[] = [];
  private depth = 0;

  get indent(): string {
    return '  '.repeat(this.depth);
  }

  /**
   * Adds one or more lines (a multi-line string keeps its relative indentation). A line made by
   * `controlled(head, body)` stays on one line when it fits, else becomes `head {`, body, `}`.
   */
  line(text = ''): this {
    const split = text.includes('\n') ? -1 : text.indexOf(CONTROLLED);
    if (split === -1) {
      for (const part of text.split('\n')) this.lines.push(part === '' ? '' : this.indent + part);
      return this;
    }
    const flat = flatten(text);
    if (this.indent.length + flat.length <= LINE_WIDTH) return this.line(flat);
    return this.block(`${text.slice(0, split)} {`, (body) => body.line(text.slice(split + 1)));
  }

  /** `open` line, an indented body, then `close` (e.g. `{` ... `}`). */
  block(open: string, body: (code: CodeBuilder) => void, close = '}'): this {
    this.line(open);
    this.depth++;
    body(this);
    this.depth--;
    return this.line(close);
  }

  /**
   * Replaces the line holding `marker` by `decide(textAfterIt)`, keeping its indentation, or drops it
   * when `decide` returns null (used to declare a variable only when the code after it uses it).
   */
  replaceLine(marker: string, decide: (after: string) => string | null): this {
    const index = this.lines.findIndex((line) => line.trimStart() === marker);
    if (index === -1) throw new Error(`marker ${JSON.stringify(marker)} not found`);
    const line = this.lines[index]!;
    const replacement = decide(this.lines.slice(index + 1).join('\n'));
    if (replacement === null) this.lines.splice(index, 1);
    else this.lines[index] = line.slice(0, line.length - marker.length) + replacement;
    return this;
  }

  toString(): string {
    return this.lines.join('\n');
  }
}

/**
 * `head` + `fn(args)` + `tail`, on one line when it fits in `width`, else with one argument per line.
 * Returns text relative to an indentation of `indentWidth` spaces.
 */
export function layoutCall(
  head: string,
  fn: string,
  args: readonly string[],
  tail: string,
  indentWidth: number,
): string {
  const flat = `${head}${fn}(${args.join(', ')})${tail}`;
  if (indentWidth + flat.length <= LINE_WIDTH || args.length === 0) return flat;
  return `${head}${fn}(\n${args.map((arg) => `  ${arg},`).join('\n')}\n)${tail}`;
}

/** Docs: one `/** … *\/` line, or several lines when long; `*\/` inside the text is defused. */
export function docComment(text: string, indentWidth: number): string {
  const clean = text.replace(/\*\//g, '*\\/').replace(/\s+/g, ' ').trim();
  if (indentWidth + clean.length + 7 <= LINE_WIDTH) return `/** ${clean} */`;
  const words = clean.split(' ');
  const lines: string[] = [];
  let current = '';
  for (const word of words) {
    if (current !== '' && indentWidth + 3 + current.length + 1 + word.length > LINE_WIDTH) {
      lines.push(current);
      current = word;
    } else {
      current = current === '' ? word : `${current} ${word}`;
    }
  }
  if (current !== '') lines.push(current);
  return ['/**', ...lines.map((line) => ` * ${line}`), ' */'].join('\n');
}

/** `[export ]function name(params): result {`, with one parameter per line when too long. */
export function functionSignature(
  exported: boolean,
  name: string,
  params: readonly string[],
  result: string,
): string {
  const head = `${exported ? 'export ' : ''}function ${name}`;
  const flat = `${head}(${params.join(', ')}): ${result} {`;
  if (flat.length <= LINE_WIDTH) return flat;
  return `${head}(\n${params.map((param) => `  ${param},`).join('\n')}\n): ${result} {`;
}
