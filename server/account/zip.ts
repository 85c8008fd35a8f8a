import zlib from 'node:zlib';

/*
 * A small ZIP writer (PKWARE APPNOTE 6.3, no ZIP64): enough for an account export, which is a
 * handful of JSON files and the customer's documents. Entries are deflated unless that does not
 * make them smaller (PDFs and photos usually are compressed already), names are UTF-8 (flag bit
 * 11), and every entry carries its CRC-32 so any unzip tool can check the copy.
 */

/** One file to put in the archive. */
export interface ZipEntry {
	/** Path inside the archive, `/`-separated, no leading slash. */
	name: string;
	data: Uint8Array;
}

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL = 0x06054b50;
const UTF8_NAMES = 0x0800;
const VERSION = 20; // 2.0: deflate
const MADE_BY_UNIX = (3 << 8) | VERSION;
const MAX_32 = 0xffffffff;

/** MS-DOS date and time fields (2-second resolution, years 1980–2107) of an instant, in UTC. */
export function dosDateTime(instant: number): { date: number; time: number } {
	const d = new Date(Math.min(Math.max(instant, Date.UTC(1980, 0, 1)), Date.UTC(2107, 11, 31, 23, 59, 58)));
	return {
		date: ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
		time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2)
	};
}

function checkName(name: string): void {
	if (!name || name.startsWith('/') || name.includes('\\') || name.split('/').some((p) => p === '..' || p === '.')) {
		throw new Error(`unsafe ZIP entry name: ${JSON.stringify(name)}`);
	}
}

/**
 * Builds a ZIP archive from `entries` (in order). Throws on duplicate or unsafe names and on
 * archives that would need ZIP64 (4 GiB, 65,535 entries).
 */
export function buildZip(entries: readonly ZipEntry[], modifiedAt: number): Buffer {
	if (entries.length > 0xffff) throw new Error('too many entries for a ZIP without ZIP64');
	const { date, time } = dosDateTime(modifiedAt);
	const seen = new Set<string>();
	const chunks: Buffer[] = [];
	const central: Buffer[] = [];
	let offset = 0;

	for (const entry of entries) {
		checkName(entry.name);
		if (seen.has(entry.name)) throw new Error(`duplicate ZIP entry: ${entry.name}`);
		seen.add(entry.name);
		const name = Buffer.from(entry.name, 'utf8');
		const raw = Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength);
		const crc = zlib.crc32(raw) >>> 0;
		const deflated = zlib.deflateRawSync(raw, { level: 6 });
		const stored = deflated.length >= raw.length;
		const body = stored ? raw : deflated;
		const method = stored ? 0 : 8;
		if (raw.length > MAX_32 || offset + 30 + name.length + body.length > MAX_32) throw new Error('archive too large for a ZIP without ZIP64');

		const local = Buffer.alloc(30);
		local.writeUInt32LE(LOCAL_HEADER, 0);
		local.writeUInt16LE(VERSION, 4);
		local.writeUInt16LE(UTF8_NAMES, 6);
		local.writeUInt16LE(method, 8);
		local.writeUInt16LE(time, 10);
		local.writeUInt16LE(date, 12);
		local.writeUInt32LE(crc, 14);
		local.writeUInt32LE(body.length, 18);
		local.writeUInt32LE(raw.length, 22);
		local.writeUInt16LE(name.length, 26);
		local.writeUInt16LE(0, 28);
		chunks.push(local, name, body);

		const header = Buffer.alloc(46);
		header.writeUInt32LE(CENTRAL_HEADER, 0);
		header.writeUInt16LE(MADE_BY_UNIX, 4);
		header.writeUInt16LE(VERSION, 6);
		header.writeUInt16LE(UTF8_NAMES, 8);
		header.writeUInt16LE(method, 10);
		header.writeUInt16LE(time, 12);
		header.writeUInt16LE(date, 14);
		header.writeUInt32LE(crc, 16);
		header.writeUInt32LE(body.length, 20);
		header.writeUInt32LE(raw.length, 24);
		header.writeUInt16LE(name.length, 28);
		header.writeUInt16LE(0, 30); // extra
		header.writeUInt16LE(0, 32); // comment
		header.writeUInt16LE(0, 34); // disk
		header.writeUInt16LE(0, 36); // internal attributes
		header.writeUInt32LE((0o100644 << 16) >>> 0, 38); // a regular file, rw-r--r--
		header.writeUInt32LE(offset, 42);
		central.push(header, name);

		offset += local.length + name.length + body.length;
	}

	const centralSize = central.reduce((n, b) => n + b.length, 0);
	if (offset + centralSize > MAX_32) throw new Error('archive too large for a ZIP without ZIP64');
	const end = Buffer.alloc(22);
	end.writeUInt32LE(END_OF_CENTRAL, 0);
	end.writeUInt16LE(0, 4);
	end.writeUInt16LE(0, 6);
	end.writeUInt16LE(entries.length, 8);
	end.writeUInt16LE(entries.length, 10);
	end.writeUInt32LE(centralSize, 12);
	end.writeUInt32LE(offset, 16);
	end.writeUInt16LE(0, 20);
	return Buffer.concat([...chunks, ...central, end]);
}
