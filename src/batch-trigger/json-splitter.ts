/**
 * Splits a byte stream into top-level JSON values, in bounded memory, whatever separates them:
 * newlines (JSON lines), nothing at all (concatenated JSON, what Firehose's raw backup holds),
 * or other whitespace. Imports nothing: part of the producer's bundle.
 *
 * A structural tokenizer: it tracks strings, escapes and bracket depth byte by byte and cuts a
 * value where its outermost bracket closes; only that value's bytes are buffered (at most the
 * record limit plus one chunk), and each is checked with `JSON.parse`.
 *
 * How the object is read is decided by its content, at the first value:
 * - a newline after the first value makes it **JSON lines**: from then on each line is one record,
 *   found with a native search for its newline and checked by `JSON.parse` alone, so a malformed
 *   line (truncated, not JSON, or two values on one line) is reported and the next line is read;
 * - another value straight after it (or a first value with newlines inside it, i.e. pretty
 *   printed) makes it **concatenated**: newlines are whitespace, values are cut by brackets only;
 * - a first value that does not parse and has a newline inside it is taken as a broken first
 *   line: the object is read as JSON lines from that newline on.
 *
 * Outside JSON lines, text between values that is not a value is reported as malformed (up to the
 * next newline or `{`/`[`); a scalar (`42`, `"text"`, `true`) that parses is a value.
 */

/** How the values of an object are separated. */
export type SplitMode = 'lines' | 'concatenated';

/** Receives what the splitter finds, in stream order. Offsets are bytes of the (decompressed) stream. */
export interface SplitSink {
  /** A JSON value: its bytes exactly as in the stream, and what `JSON.parse` made of them. */
  value(offset: number, data: Buffer, parsed: unknown): void;
  /** A span that is not a JSON value; nothing of it is sent. */
  malformed(offset: number, length: number, reason: string): void;
  /** A value (or line) longer than the limit; only its position is kept. */
  oversized(offset: number, length: number): void;
}

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const TAB = 0x09;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

const NONE = 0;
const VALUE = 1;
const GARBAGE = 2;
const SKIP = 3;
/** A line of JSON lines, continued from an earlier chunk. */
const LINE = 4;
/** A line of JSON lines over the limit, skipped up to its newline. */
const SKIP_LINE = 5;

export class JsonSplitter {
  /** How values are separated, once known. */
  public mode: SplitMode | undefined;

  /**
   * Offset just after the last complete segment (value, malformed span, oversized value, or
   * whitespace): every byte before it has been handed to the sink. A read resumed here, with
   * the same `mode`, continues exactly where this one stopped.
   */
  public boundary: number;

  /** Offset of the next byte pushed. */
  private pos: number;
  private kind = NONE;
  private depth = 0;
  private inString = false;
  private escape = false;
  private topString = false;
  private start = -1;
  private firstNewline = -1;
  private parts: Buffer[] = [];
  private partsBytes = 0;
  private valuesSeen = 0;

  /**
   * @param sink receives values, malformed spans and oversized values
   * @param maxBytes the largest value kept (e.g. the Kinesis record limit); longer ones are
   * reported as oversized and never buffered beyond this plus one chunk
   * @param startOffset offset of the first byte pushed (a resumed read)
   * @param mode the mode found by an earlier read of the same object
   */
  public constructor(private readonly sink: SplitSink, private readonly maxBytes: number, startOffset = 0, mode?: SplitMode) {
    this.pos = startOffset;
    this.boundary = startOffset;
    this.mode = mode;
    if (mode !== undefined) this.valuesSeen = 1;
  }

  /** Scans the next chunk of the stream. */
  public push(chunk: Buffer): void {
    const base = this.pos;
    this.pos += chunk.length;
    this.scan(chunk, base);
  }

  /** The stream ended: whatever is open is reported. */
  public end(): void {
    if (this.kind === VALUE) {
      if (this.mode === undefined && this.firstNewline >= 0) {
        const data = Buffer.concat(this.parts);
        const start = this.start;
        const nl = this.firstNewline;
        this.reset();
        this.resync(data, start, nl);
        this.end();
        return;
      }
      this.sink.malformed(this.start, this.pos - this.start, 'an unterminated JSON value at the end of the object');
    } else if (this.kind === SKIP) {
      this.sink.malformed(this.start, this.pos - this.start, 'an unterminated JSON value at the end of the object, over the record limit');
    } else if (this.kind === GARBAGE) {
      this.finishGarbage(this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts), this.pos);
    } else if (this.kind === LINE) {
      this.finishLine(this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts), this.start, this.pos);
    } else if (this.kind === SKIP_LINE) {
      this.sink.oversized(this.start, this.pos - this.start);
    }
    this.reset();
    this.boundary = this.pos;
  }

  private reset(): void {
    this.kind = NONE;
    this.depth = 0;
    this.inString = false;
    this.escape = false;
    this.topString = false;
    this.start = -1;
    this.firstNewline = -1;
    this.parts = [];
    this.partsBytes = 0;
  }

  private scan(buf: Buffer, base: number): void {
    let segStart = 0;
    const n = buf.length;
    for (let i = 0; i < n; i++) {
      // JSON lines: each line is one record, found with a native search for its newline and
      // checked by JSON.parse alone.
      if (this.kind === LINE || this.kind === SKIP_LINE) {
        const lf = buf.indexOf(LF, i);
        const end = lf < 0 ? n : lf;
        if (this.kind === LINE) {
          this.parts.push(buf.subarray(i, end));
          this.partsBytes += end - i;
          if (this.partsBytes > this.maxBytes) {
            this.kind = SKIP_LINE;
            this.parts = [];
            this.partsBytes = 0;
          }
        }
        if (lf < 0) return;
        if (this.kind === LINE) this.finishLine(this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts), this.start, base + lf);
        else this.sink.oversized(this.start, base + lf - this.start);
        this.reset();
        this.boundary = base + lf + 1;
        i = lf;
        continue;
      }
      const c = buf[i];
      if (this.kind === NONE && this.mode === 'lines' && c !== SP && c !== TAB && c !== CR && c !== LF) {
        this.start = base + i;
        this.boundary = base + i;
        const lf = buf.indexOf(LF, i);
        if (lf < 0) {
          this.kind = LINE;
          i--;
          continue;
        }
        this.finishLine(buf.subarray(i, lf), base + i, base + lf);
        this.start = -1;
        this.boundary = base + lf + 1;
        i = lf;
        continue;
      }
      if (this.kind === NONE) {
        if (c === SP || c === TAB || c === CR) continue;
        if (c === LF) {
          if (this.mode === undefined && this.valuesSeen > 0) this.mode = 'lines';
          this.boundary = base + i + 1;
          continue;
        }
        // A UTF-8 byte-order mark before the first value is whitespace.
        if ((c === 0xef || c === 0xbb || c === 0xbf) && base + i < 3 && this.valuesSeen === 0) continue;
        this.boundary = base + i;
        this.start = base + i;
        segStart = i;
        if (c === LBRACE || c === LBRACKET) {
          if (this.mode === undefined && this.valuesSeen > 0) this.mode = 'concatenated';
          this.kind = VALUE;
          this.depth = 1;
        } else if (c === QUOTE) {
          if (this.mode === undefined && this.valuesSeen > 0) this.mode = 'concatenated';
          this.kind = VALUE;
          this.inString = true;
          this.topString = true;
        } else {
          this.kind = GARBAGE;
        }
        continue;
      }

      if (this.kind === GARBAGE) {
        if (c === LF || (this.mode !== 'lines' && (c === LBRACE || c === LBRACKET))) {
          const tail = buf.subarray(segStart, i);
          this.finishGarbage(this.parts.length === 0 ? tail : Buffer.concat([...this.parts, tail]), base + i);
          this.reset();
          this.boundary = base + i;
          i--;
        }
        continue;
      }

      // VALUE or SKIP
      if (this.inString) {
        if (this.escape) {
          this.escape = false;
          continue;
        }
        // The closing quote: the next quote not escaped by an odd run of backslashes (native search).
        let q = buf.indexOf(QUOTE, i);
        while (q >= 0) {
          let k = q - 1;
          while (k >= i && buf[k] === BACKSLASH) k--;
          if ((q - 1 - k) % 2 === 0) break;
          q = buf.indexOf(QUOTE, q + 1);
        }
        const stop = q < 0 ? n : q;
        if (this.mode === undefined && this.firstNewline < 0) {
          // A raw newline is never valid inside a JSON string: remember it for a resync.
          const lf = buf.indexOf(LF, i);
          if (lf >= 0 && lf < stop) this.firstNewline = base + lf;
        }
        if (q < 0) {
          let k = n - 1;
          while (k >= i && buf[k] === BACKSLASH) k--;
          this.escape = (n - 1 - k) % 2 === 1;
          i = n - 1;
          continue;
        }
        i = q;
        this.inString = false;
        if (this.topString) {
          this.close(buf, base, segStart, i);
          segStart = i + 1;
        }
        continue;
      }
      if (c === QUOTE) {
        this.inString = true;
      } else if (c === LBRACE || c === LBRACKET) {
        this.depth++;
      } else if (c === RBRACE || c === RBRACKET) {
        if (--this.depth === 0) {
          this.close(buf, base, segStart, i);
          segStart = i + 1;
        }
      } else if (c === LF) {
        if (this.lineBreak(base + i)) segStart = i + 1;
      }
    }

    if (this.kind === VALUE || this.kind === GARBAGE) {
      const rest = buf.subarray(segStart);
      if (rest.length > 0) {
        this.parts.push(rest);
        this.partsBytes += rest.length;
      }
      if (this.partsBytes > this.maxBytes) this.overflow();
    }
  }

  /**
   * A newline outside a string, or a raw newline in one, inside a value. With JSON lines it ends
   * the line: the value is malformed (or oversized, when skipping). Returns whether it ended one.
   */
  private lineBreak(at: number): boolean {
    if (this.mode === 'lines') {
      if (this.kind === SKIP) this.sink.oversized(this.start, at - this.start);
      else this.sink.malformed(this.start, at - this.start, 'a line that is not a complete JSON value');
      this.reset();
      this.boundary = at + 1;
      return true;
    }
    if (this.mode === undefined && this.firstNewline < 0) this.firstNewline = at;
    return false;
  }

  /** The open value outgrew the limit. */
  private overflow(): void {
    if (this.kind === GARBAGE) {
      // Keep the first bytes only: the span is reported as malformed whatever follows.
      this.parts = [Buffer.concat(this.parts).subarray(0, 64)];
      this.partsBytes = this.parts[0].length;
      this.kind = GARBAGE;
      return;
    }
    if (this.mode === undefined && this.firstNewline >= 0) {
      const data = Buffer.concat(this.parts);
      const start = this.start;
      const nl = this.firstNewline;
      this.reset();
      this.resync(data, start, nl);
      return;
    }
    this.kind = SKIP;
    this.parts = [];
    this.partsBytes = 0;
  }

  /** The value's outermost bracket (or quote) closed at `buf[i]`. */
  private close(buf: Buffer, base: number, segStart: number, i: number): void {
    const end = base + i + 1;
    const start = this.start;
    const length = end - start;
    if (this.kind === SKIP) {
      this.sink.oversized(start, length);
      this.reset();
      this.boundary = end;
      return;
    }
    const tail = buf.subarray(segStart, i + 1);
    const data = this.parts.length === 0 ? tail : Buffer.concat([...this.parts, tail]);
    const nl = this.firstNewline;
    const undetermined = this.mode === undefined;
    this.reset();
    this.boundary = end;
    if (length > this.maxBytes) {
      if (undetermined && nl >= 0 && !parses(data)) {
        this.resync(data, start, nl);
        return;
      }
      this.sink.oversized(start, length);
      this.valuesSeen++;
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(data.toString('utf8'));
    } catch {
      if (undetermined && nl >= 0) {
        this.resync(data, start, nl);
        return;
      }
      this.sink.malformed(start, length, 'not valid JSON');
      return;
    }
    this.valuesSeen++;
    this.sink.value(start, data, parsed);
  }

  /** A broken first line: report it, then read the rest of the buffered bytes as JSON lines. */
  private resync(data: Buffer, start: number, nl: number): void {
    this.sink.malformed(start, nl - start, 'a line that is not a complete JSON value');
    this.mode = 'lines';
    this.valuesSeen = Math.max(this.valuesSeen, 1);
    this.boundary = nl + 1;
    this.scan(data.subarray(nl - start + 1), nl + 1);
  }

  /** A line of JSON lines (without its newline): a value if it parses, else malformed. */
  private finishLine(bytes: Buffer, start: number, end: number): void {
    let last = bytes.length;
    while (last > 0 && (bytes[last - 1] === SP || bytes[last - 1] === TAB || bytes[last - 1] === CR)) last--;
    const line = last === bytes.length ? bytes : bytes.subarray(0, last);
    if (end - start > this.maxBytes) {
      this.sink.oversized(start, end - start);
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(line.toString('utf8'));
    } catch {
      this.sink.malformed(start, end - start, 'a line that is not a JSON value');
      return;
    }
    this.valuesSeen++;
    this.sink.value(start, line, parsed);
  }

  /** Text between values: a scalar JSON value if it parses as one, else malformed. */
  private finishGarbage(bytes: Buffer, end: number): void {
    const start = this.start;
    let last = bytes.length;
    while (last > 0 && (bytes[last - 1] === SP || bytes[last - 1] === TAB || bytes[last - 1] === CR)) last--;
    const trimmed = bytes.subarray(0, last);
    if (end - start <= this.maxBytes && last > 0) {
      try {
        const parsed: unknown = JSON.parse(trimmed.toString('utf8'));
        if (parsed === null || typeof parsed !== 'object') {
          this.valuesSeen++;
          this.sink.value(start, Buffer.from(trimmed), parsed);
          return;
        }
      } catch {
        // not JSON: malformed
      }
    }
    this.sink.malformed(start, end - start, 'not a JSON value');
  }
}

function parses(data: Buffer): boolean {
  try {
    JSON.parse(data.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}
