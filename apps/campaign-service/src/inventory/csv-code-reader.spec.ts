import { CsvCodeError, CsvCodeReader } from './csv-code-reader';

function readAll(text: string, chunkSize = 3): string[] {
  const reader = new CsvCodeReader();
  const bytes = Buffer.from(text, 'utf8');
  const codes: string[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) codes.push(...reader.push(bytes.subarray(i, i + chunkSize)));
  return [...codes, ...reader.end()];
}

describe('CsvCodeReader', () => {
  it('reads one code a line across arbitrary chunk boundaries', () => {
    for (const size of [1, 2, 5, 1000]) expect(readAll('A1\nB2\r\nC3', size)).toEqual(['A1', 'B2', 'C3']);
  });

  it('skips an optional code header, a BOM, blank lines and surrounding spaces', () => {
    expect(readAll('\uFEFFcode\r\n  AAA  \n\n\nBBB\n')).toEqual(['AAA', 'BBB']);
    expect(readAll('Code\nX')).toEqual(['X']);
  });

  it('keeps "code" as a code after the first line', () => {
    expect(readAll('A\ncode\n')).toEqual(['A', 'code']);
  });

  it('takes the first non-blank line as the header, after a BOM and blank lines', () => {
    expect(readAll('\ncode\nA\n')).toEqual(['A']);
    expect(readAll('\uFEFF\r\n \r\nCODE\r\nA\r\ncode\r\n')).toEqual(['A', 'code']);
  });

  it('ends lines at a lone CR too, across chunk boundaries, without splitting a CRLF into two lines', () => {
    for (const size of [1, 2, 3, 1000]) {
      expect(readAll('code\rA1\rB2\r\rC3\r', size)).toEqual(['A1', 'B2', 'C3']);
      expect(readAll('A1\r\nB2\rC3\nD4\r\n', size)).toEqual(['A1', 'B2', 'C3', 'D4']);
    }
  });

  it('counts lone-CR lines in error line numbers', () => {
    expect(() => readAll('ok\rA,B\r')).toThrow(/line 2: /);
    expect(() => readAll('ok\r\nA,B\r\n', 1)).toThrow(/line 2: /);
  });

  it('decodes multi-byte characters split between chunks', () => {
    expect(readAll('ÄÖÜ-€\n😀x\n', 1)).toEqual(['ÄÖÜ-€', '😀x']);
  });

  it('unquotes quoted codes', () => {
    expect(readAll('"A,B"\n"say ""hi"""\n')).toEqual(['A,B', 'say "hi"']);
  });

  it.each([
    ['A,B\n', 1, /second column/],
    ['ok\n"open\n', 2, /unbalanced quotes/],
    ['ok\nab"c\n', 2, /quote/],
    ['ok\n"a"b"\n', 2, /unbalanced quotes/],
    [`ok\n${'x'.repeat(201)}\n`, 2, /at most 200/],
    ['ok\na\u0007b\n', 2, /control characters/],
  ])('refuses %j at line %i', (text, line, message) => {
    let error: unknown;
    try {
      readAll(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CsvCodeError);
    expect((error as CsvCodeError).line).toBe(line);
    expect((error as CsvCodeError).message).toMatch(message);
  });

  it('refuses bytes that are not UTF-8 instead of loading U+FFFD in their place', () => {
    const latin1 = Buffer.from('code\nCAF\xe9\n', 'latin1');
    for (const size of [1, 1000]) {
      const reader = new CsvCodeReader();
      const read = () => {
        for (let i = 0; i < latin1.length; i += size) reader.push(latin1.subarray(i, i + size));
        reader.end();
      };
      expect(read).toThrow(new CsvCodeError(null, 'the upload is not valid utf-8 text'));
    }
    // a multi-byte character split across chunks is still one character
    expect(readAll('É1\nÉ2', 1)).toEqual(['É1', 'É2']);
  });

  it('reads the charset the upload declares', () => {
    const reader = new CsvCodeReader('iso-8859-1');
    expect([...reader.push(Buffer.from('code\nCAF\xe9\n', 'latin1')), ...reader.end()]).toEqual(['CAFé']);
  });

  it('refuses an endless line before buffering it', () => {
    const reader = new CsvCodeReader();
    expect(() => reader.push(Buffer.from('y'.repeat(10_000)))).toThrow(CsvCodeError);
  });

  it('accepts exactly 200 characters', () => {
    expect(readAll(`${'z'.repeat(200)}\n`, 64)).toEqual(['z'.repeat(200)]);
  });
});
