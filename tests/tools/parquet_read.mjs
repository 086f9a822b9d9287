// tests/tools/parquet_read.mjs: the JavaScript side of the Parquet reader agreement check
// (tests/e2e/parquet_lib.sh, compare_readers). Reads one Parquet file with one of two readers that
// share no code with DuckDB or with each other, and prints the canonical Parquet dump that
// tests/tools/duckdb_parquet_dump.c prints from DuckDB; the format is specified atop that file and
// both must stay identical. Agreement of the three readers is then a byte comparison.
//
//   parquet-wasm  arrow-rs (Rust, compiled to wasm): readParquet() -> Arrow IPC stream, decoded
//                 with apache-arrow; values come from the raw Arrow buffers (day counts,
//                 microsecond counts, 128-bit decimal words), never from arrow-js's lossy Date or
//                 Number conversions.
//   hyparquet     pure JavaScript, with hyparquet-compressors' codecs and utf8: true. Its DATE and
//                 TIMESTAMP parsers are replaced so that they return the raw day and microsecond
//                 counts, strings are decoded strictly (invalid UTF-8 is an error, not U+FFFD), and
//                 the DECIMAL annotation is hidden from the decoder (hyparquet would turn decimals
//                 into lossy doubles) so that it returns the unscaled integers; the column types
//                 printed still come from the file's own schema.
//
// Usage: node tests/tools/parquet_read.mjs parquet-wasm|hyparquet FILE
// Exit 0 with the dump on stdout; 1 when the reader fails or a column type is outside the
// canonical vocabulary (message on stderr); 2 on a usage error. Packages are loaded from
// $BUZZ_ROOT/.deps/npm/node_modules (BUZZ_ROOT defaults to this file's ../..), installed by
// scripts/setup; nothing here touches the network.
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = process.env.BUZZ_ROOT || path.resolve(here, '../..')
const require = createRequire(path.join(root, '.deps', 'npm', 'package.json'))

class DumpError extends Error {}

// ---------------------------------------------------------------------------------------------
// Canonical value formatting (must match duckdb_parquet_dump.c byte for byte).

const ESCAPES = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' }
function escapeText(s) {
  return s.replace(/[\\\t\n\r]/g, c => ESCAPES[c])
}

// Exact decimal expansion of a finite positive double: value = BigInt(s) * 10^pow.
const f64 = new DataView(new ArrayBuffer(8))
function exactDecimal(x) {
  f64.setFloat64(0, x)
  const bits = f64.getBigUint64(0)
  const biased = Number((bits >> 52n) & 0x7ffn)
  let mant = bits & ((1n << 52n) - 1n)
  let e2 = -1074
  if (biased !== 0) {
    mant |= 1n << 52n
    e2 = biased - 1075
  }
  if (e2 >= 0) return { s: (mant << BigInt(e2)).toString(), pow: 0 }
  return { s: (mant * 5n ** BigInt(-e2)).toString(), pow: e2 }
}

// s rounded to p significant digits, ties to even (as glibc's printf rounds); carry is 1 when
// rounding up added a digit (999 -> 1000, returned as "100").
function roundDigits(s, p) {
  if (s.length <= p) return { d: s, carry: 0 }
  let d = s.slice(0, p)
  const rest = s.slice(p)
  let up = rest[0] > '5'
  if (rest[0] === '5') up = /[1-9]/.test(rest.slice(1)) || (d.charCodeAt(p - 1) - 48) % 2 === 1
  if (!up) return { d, carry: 0 }
  d = (BigInt(d) + 1n).toString()
  if (d.length > p) return { d: d.slice(0, p), carry: 1 }
  return { d, carry: 0 }
}

// Shortest correctly rounded digits that read back as x, laid out as Number.prototype.toString.
function formatDouble(x) {
  if (Number.isNaN(x)) return 'nan'
  if (x === Infinity) return 'inf'
  if (x === -Infinity) return '-inf'
  if (x === 0) return Object.is(x, -0) ? '-0' : '0'
  const sign = x < 0 ? '-' : ''
  const a = Math.abs(x)
  const { s, pow } = exactDecimal(a)
  let digits = ''
  let exp10 = 0
  for (let p = 1; p <= 17; p++) {
    const r = roundDigits(s, p)
    digits = r.d
    exp10 = s.length - 1 + pow + r.carry
    if (Number(`${digits[0]}.${digits.slice(1)}e${exp10}`) === a) break
  }
  digits = digits.replace(/(?<=.)0+$/, '')
  const k = digits.length
  const n = exp10 + 1
  let out
  if (k <= n && n <= 21) out = digits + '0'.repeat(n - k)
  else if (n > 0 && n <= 21) out = `${digits.slice(0, n)}.${digits.slice(n)}`
  else if (n > -6 && n <= 0) out = `0.${'0'.repeat(-n)}${digits}`
  else {
    const e = n - 1
    out = `${digits[0]}${k > 1 ? '.' + digits.slice(1) : ''}e${e < 0 ? '-' : '+'}${Math.abs(e)}`
  }
  return sign + out
}

// Exact text of an unscaled decimal integer (BigInt) with scale digits after the point.
function formatDecimal(v, scale) {
  const neg = v < 0n
  let s = (neg ? -v : v).toString()
  if (scale > 0) {
    s = s.padStart(scale + 1, '0')
    s = `${s.slice(0, s.length - scale)}.${s.slice(s.length - scale)}`
  }
  return (neg ? '-' : '') + s
}

function floorDiv(a, b) {
  return Math.floor(a / b)
}

// YYYY-MM-DD of a day count since 1970-01-01 (H. Hinnant's civil_from_days, as in the C tool).
function formatDate(days) {
  const z = days + 719468
  const era = floorDiv(z, 146097)
  const doe = z - era * 146097
  const t = Math.trunc
  const yoe = t((doe - t(doe / 1460) + t(doe / 36524) - t(doe / 146096)) / 365)
  let y = yoe + era * 400
  const doy = doe - (365 * yoe + Math.trunc(yoe / 4) - Math.trunc(yoe / 100))
  const mp = Math.trunc((5 * doy + 2) / 153)
  const d = doy - Math.trunc((153 * mp + 2) / 5) + 1
  const m = mp < 10 ? mp + 3 : mp - 9
  if (m <= 2) y++
  const year = y < 0 ? '-' + String(-y).padStart(4, '0') : String(y).padStart(4, '0')
  return `${year}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`
}

const pad2 = v => String(v).padStart(2, '0')
function formatClock(us) { // us: Number, 0 <= us <= 86400000000
  const frac = us % 1000000
  const secs = (us - frac) / 1000000
  const hms = `${pad2(Math.trunc(secs / 3600))}:${pad2(Math.trunc(secs / 60) % 60)}:${pad2(secs % 60)}`
  return `${hms}.${String(frac).padStart(6, '0')}`
}

function formatTime(us) { // us: BigInt microseconds since midnight
  if (us < 0n || us > 86400000000n) return `invalid_time(${us})`
  return formatClock(Number(us))
}

function formatTimestamp(us, utc) { // us: BigInt microseconds since the epoch
  let days = us / 86400000000n
  if (days * 86400000000n > us) days -= 1n // floor division
  const rest = Number(us - days * 86400000000n)
  return `${formatDate(Number(days))} ${formatClock(rest)}${utc ? 'Z' : ''}`
}

// One non-NULL cell of column col (from column()), given the reader's raw value v.
function formatCell(col, v) {
  switch (col.kind) {
    case 'boolean': return v ? 'true' : 'false'
    case 'int8': case 'int16': case 'int32': case 'int64': return String(v)
    case 'float': case 'double': return formatDouble(Number(v))
    case 'decimal': return formatDecimal(v, col.scale)
    case 'date': return formatDate(Number(v))
    case 'time_us': return formatTime(BigInt(v))
    case 'timestamp_us': return formatTimestamp(BigInt(v), false)
    case 'timestamp_us_utc': return formatTimestamp(BigInt(v), true)
    case 'string': return escapeText(v)
    default: throw new DumpError(`column "${col.name}": cannot format kind ${col.kind}`)
  }
}

// A column description: canonical type text, and the kind and scale formatCell dispatches on.
function column(name, type) {
  const m = /^decimal\((\d+),(\d+)\)$/.exec(type)
  return { name, type, kind: m ? 'decimal' : type, scale: m ? Number(m[2]) : 0 }
}

// Big-endian two's complement bytes (Parquet FIXED_LEN_BYTE_ARRAY / BYTE_ARRAY decimals).
function bigintFromBytes(bytes) {
  let v = 0n
  for (const b of bytes) v = (v << 8n) | BigInt(b)
  if (bytes.length > 0 && bytes[0] & 0x80) v -= 1n << BigInt(bytes.length * 8)
  return v
}

// ---------------------------------------------------------------------------------------------
// Output: lines are collected into large strings and written in order.

class Out {
  constructor() { this.parts = []; this.cur = []; this.size = 0 }
  line(s) {
    this.cur.push(s)
    this.size += s.length
    if (this.size > 1 << 20) this.flush()
  }
  flush() {
    if (this.cur.length) this.parts.push(this.cur.join('\n') + '\n')
    this.cur = []
    this.size = 0
  }
  write() {
    this.flush()
    for (const p of this.parts) process.stdout.write(p)
  }
}

function schemaLines(out, cols) {
  for (const c of cols) out.line(`${escapeText(c.name)}\t${c.type}`)
}

// ---------------------------------------------------------------------------------------------
// parquet-wasm (arrow-rs) through Arrow IPC.

function arrowType(arrow, f) {
  const t = f.type
  const T = arrow.Type
  switch (t.typeId) {
    case T.Bool: return 'boolean'
    case T.Int:
      if (t.isSigned && [8, 16, 32, 64].includes(t.bitWidth)) return `int${t.bitWidth}`
      break
    case T.Float:
      if (t.precision === arrow.Precision.SINGLE) return 'float'
      if (t.precision === arrow.Precision.DOUBLE) return 'double'
      break
    case T.Decimal:
      if (t.bitWidth % 32 === 0) return `decimal(${t.precision},${t.scale})`
      break
    case T.Date:
      if (t.unit === arrow.DateUnit.DAY) return 'date'
      break
    case T.Time:
      if (t.unit === arrow.TimeUnit.MICROSECOND) return 'time_us'
      break
    case T.Timestamp:
      // Any time zone means isAdjustedToUTC (arrow-rs says "UTC" or "+00:00").
      if (t.unit === arrow.TimeUnit.MICROSECOND) {
        return t.timezone ? 'timestamp_us_utc' : 'timestamp_us'
      }
      break
    case T.Utf8: case T.LargeUtf8: return 'string'
    case T.Null: return 'null'
  }
  throw new DumpError(`column "${f.name}": Arrow type ${t} is not in the canonical vocabulary`)
}

// The raw value of row i of an Arrow vector (one batch, so one Data chunk).
function arrowValue(col, vec, i) {
  const data = vec.data[0]
  const j = data.offset + i
  switch (col.kind) {
    case 'decimal': {
      const words = data.type.bitWidth / 32
      let v = 0n
      for (let w = words - 1; w >= 0; w--) v = (v << 32n) | BigInt(data.values[j * words + w])
      return BigInt.asIntN(words * 32, v)
    }
    case 'date': case 'time_us': case 'timestamp_us': case 'timestamp_us_utc':
      return data.values[j] // Int32 days or BigInt64 microseconds, unconverted
    default:
      return vec.get(i)
  }
}

function dumpParquetWasm(bytes, out) {
  const pw = require('parquet-wasm')
  const arrow = require('apache-arrow')
  const wasmTable = pw.readParquet(bytes)
  const table = arrow.tableFromIPC(wasmTable.intoIPCStream())
  const cols = table.schema.fields.map(f => column(f.name, arrowType(arrow, f)))
  schemaLines(out, cols)
  for (const batch of table.batches) {
    const vecs = cols.map((_, c) => batch.getChildAt(c))
    for (let i = 0; i < batch.numRows; i++) {
      const cells = cols.map((col, c) => {
        if (col.kind === 'null' || !vecs[c].isValid(i)) return '\\N'
        return formatCell(col, arrowValue(col, vecs[c], i))
      })
      out.line(cells.join('\t'))
    }
  }
}

// ---------------------------------------------------------------------------------------------
// hyparquet.

// The canonical type of a leaf schema element, from its logical type, else its converted type.
function parquetType(el) {
  const lt = el.logical_type
  const ct = el.converted_type
  const fail = () => {
    const what = [el.type, ct, lt && JSON.stringify(lt)].filter(Boolean).join(' ')
    throw new DumpError(
      `column "${el.name}": Parquet type ${what} is not in the canonical vocabulary`)
  }
  if (lt?.type === 'NULL') return 'null'
  if (lt?.type === 'DECIMAL' || ct === 'DECIMAL') {
    const precision = lt?.precision ?? el.precision
    const scale = lt?.scale ?? el.scale ?? 0
    // BYTE_ARRAY decimals are left out: with utf8: true hyparquet would decode their bytes as
    // text once the annotation is hidden (and neither DuckDB nor Buzz writes them).
    if (!['INT32', 'INT64', 'FIXED_LEN_BYTE_ARRAY'].includes(el.type)) fail()
    return `decimal(${precision},${scale})`
  }
  switch (el.type) {
    case 'BOOLEAN': if (!lt && !ct) return 'boolean'; break
    case 'FLOAT': if (!lt && !ct) return 'float'; break
    case 'DOUBLE': if (!lt && !ct) return 'double'; break
    case 'INT32':
      if (lt?.type === 'INTEGER' && lt.isSigned && [8, 16, 32].includes(lt.bitWidth)) {
        return `int${lt.bitWidth}`
      }
      if (lt?.type === 'DATE' || (!lt && ct === 'DATE')) return 'date'
      if (!lt && ['INT_8', 'INT_16', 'INT_32'].includes(ct)) return `int${ct.slice(4)}`
      if (!lt && !ct) return 'int32'
      break
    case 'INT64':
      if (lt?.type === 'INTEGER' && lt.isSigned && lt.bitWidth === 64) return 'int64'
      if (lt?.type === 'TIME' && lt.unit === 'MICROS') return 'time_us'
      if (lt?.type === 'TIMESTAMP' && lt.unit === 'MICROS') {
        return lt.isAdjustedToUTC ? 'timestamp_us_utc' : 'timestamp_us'
      }
      if (!lt && ct === 'TIME_MICROS') return 'time_us'
      if (!lt && ct === 'TIMESTAMP_MICROS') return 'timestamp_us'
      if (!lt && (!ct || ct === 'INT_64')) return 'int64'
      break
    case 'BYTE_ARRAY':
      if (lt?.type === 'STRING' || (!lt && ct === 'UTF8')) return 'string'
      break
  }
  return fail()
}

async function dumpHyparquet(bytes, out) {
  const importPkg = async name => import(pathToFileURL(require.resolve(name)).href)
  const hp = await importPkg('hyparquet')
  const { compressors } = await importPkg('hyparquet-compressors')
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
  const metadata = hp.parquetMetadata(file)
  const tree = hp.parquetSchema(metadata)
  const cols = tree.children.map(node => {
    const el = node.element
    if (node.children.length > 0 || el.repetition_type === 'REPEATED') {
      throw new DumpError(
        `column "${el.name}": nested and repeated columns are not in the canonical vocabulary`)
    }
    return column(el.name, parquetType(el))
  })
  schemaLines(out, cols)

  // Hide DECIMAL from the decoder so that it returns the unscaled integers (number, BigInt or
  // big-endian bytes) instead of rounding them to doubles; the schema was read above.
  const rawMetadata = {
    ...metadata,
    schema: metadata.schema.map(el =>
      (el.converted_type === 'DECIMAL' || el.logical_type?.type === 'DECIMAL')
        ? { ...el, converted_type: undefined, logical_type: undefined }
        : el),
  }
  const strictUtf8 = new TextDecoder('utf-8', { fatal: true })
  const rows = await new Promise((resolve, reject) => {
    hp.parquetRead({
      file,
      metadata: rawMetadata,
      compressors,
      utf8: true,
      parsers: {
        dateFromDays: days => days,
        timestampFromMicroseconds: us => us,
        stringFromBytes: b => b && strictUtf8.decode(b),
      },
      rowFormat: 'array',
      onComplete: resolve,
    }).catch(reject)
  })
  const total = Number(metadata.num_rows)
  if (rows.length !== total) {
    throw new DumpError(`hyparquet returned ${rows.length} rows, the footer says ${total}`)
  }
  for (const row of rows) {
    const cells = cols.map((col, c) => {
      let v = row[c]
      if (col.kind === 'null' || v === null || v === undefined) return '\\N'
      if (col.kind === 'decimal') v = v instanceof Uint8Array ? bigintFromBytes(v) : BigInt(v)
      return formatCell(col, v)
    })
    out.line(cells.join('\t'))
  }
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const [reader, file] = process.argv.slice(2)
  if (process.argv.length !== 4 || !['parquet-wasm', 'hyparquet'].includes(reader)) {
    process.stderr.write('usage: node parquet_read.mjs parquet-wasm|hyparquet FILE\n')
    return 2
  }
  const out = new Out()
  try {
    const bytes = new Uint8Array(fs.readFileSync(file))
    if (reader === 'parquet-wasm') dumpParquetWasm(bytes, out)
    else await dumpHyparquet(bytes, out)
  } catch (e) {
    const msg = e instanceof DumpError ? e.message : (e && e.stack) || String(e)
    process.stderr.write(`parquet_read ${reader}: ${file}: ${msg}\n`)
    return 1
  }
  out.write()
  return 0
}

process.exitCode = await main()
