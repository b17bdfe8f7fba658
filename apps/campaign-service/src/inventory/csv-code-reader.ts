/** Longest code the pool accepts (the database refuses longer ones too). */
export const MAX_CODE_LENGTH = 200;

export class CsvCodeError extends Error {
  constructor(
    /** null when the fault is not on one line (undecodable bytes) */
    readonly line: number | null,
    message: string,
  ) {
    super(line === null ? message : `line ${line}: ${message}`);
  }
}

/** Whether uploads may declare this charset (`text/csv; charset=…`): any label TextDecoder knows. */
export function isSupportedCharset(charset: string): boolean {
  try {
    new TextDecoder(charset);
    return true;
  } catch {
    return false;
  }
}

/**
 * A line ends at LF, CRLF or a lone CR (classic Mac files). A CR that ends the text so far stays
 * pending: the LF of its CRLF may come in the next chunk.
 */
const LINE_BREAK = /\r\n|\r(?!$)|\n/;

/**
 * Incremental reader of a one-column CSV of codes: feed it byte chunks as they arrive,
 * take the complete codes back. Skips blank lines, a BOM and an optional `code` header
 * (the first non-blank line); unquotes `"…"` fields (`""` is a quote). A line with a
 * second column is refused.
 */
export class CsvCodeReader {
  // fatal: a byte that is not text in the charset is refused; replacing it with U+FFFD would
  // load a code the member can never redeem.
  private readonly decoder: TextDecoder;
  private pending = '';
  private lineNumber = 0;
  /** Whether a non-blank line was read: only the first one may be the header. */
  private started = false;

  constructor(private readonly charset = 'utf-8') {
    this.decoder = new TextDecoder(charset, { fatal: true });
  }

  /** Codes completed by this chunk, in order. */
  push(chunk: Buffer): string[] {
    const text = this.pending + this.decode(chunk);
    const lines = text.split(LINE_BREAK);
    this.pending = lines.pop() ?? '';
    if (this.pending.length > MAX_CODE_LENGTH * 2 + 16) {
      throw new CsvCodeError(this.lineNumber + 1, `a code is at most ${MAX_CODE_LENGTH} characters`);
    }
    return this.parse(lines);
  }

  /** The last code, when the input does not end with a newline. */
  end(): string[] {
    const rest = this.pending + this.decode();
    this.pending = '';
    return this.parse([rest]);
  }

  /** The text of a chunk (none: the end of the input); refuses bytes the charset has no character for. */
  private decode(chunk?: Buffer): string {
    try {
      return this.decoder.decode(chunk, { stream: chunk !== undefined });
    } catch {
      throw new CsvCodeError(null, `the upload is not valid ${this.charset} text`);
    }
  }

  private parse(lines: string[]): string[] {
    const codes: string[] = [];
    for (const raw of lines) {
      this.lineNumber += 1;
      const code = this.field(this.lineNumber === 1 ? raw.replace(/^\uFEFF/, '') : raw);
      if (code === '') continue;
      const first = !this.started;
      this.started = true;
      if (first && code.toLowerCase() === 'code') continue;
      codes.push(code);
    }
    return codes;
  }

  private field(raw: string): string {
    const value = raw.trim();
    let code: string;
    if (value.startsWith('"')) {
      const inner = value.slice(1, -1);
      if (value.length < 2 || !value.endsWith('"') || inner.replace(/""/g, '').includes('"')) {
        throw new CsvCodeError(this.lineNumber, 'unbalanced quotes');
      }
      code = inner.replace(/""/g, '"').trim();
    } else {
      if (value.includes(',')) throw new CsvCodeError(this.lineNumber, 'one code per line is expected (found a second column)');
      if (value.includes('"')) throw new CsvCodeError(this.lineNumber, 'a quote is only allowed in a quoted code');
      code = value;
    }
    if (code.length > MAX_CODE_LENGTH) throw new CsvCodeError(this.lineNumber, `a code is at most ${MAX_CODE_LENGTH} characters`);
    if (/[\u0000-\u001f\u007f]/.test(code)) throw new CsvCodeError(this.lineNumber, 'control characters are not allowed');
    return code;
  }
}
