// Project packages for the browser tests, built from examples/xuanhan-nanba-pass.
//
// The example overlaps demo project 511722-2018-001 (the demo generates its parcels in the same
// spot of 南坝镇), so NO_DOUBLE_COUNTING would fail against the demo registry: every parcel is
// moved 5 km north, where no demo project lies, and the project gets a code the demo does not
// use. The failing variant declares ten times the persons, so the resettlement land per person
// (16 500 m² / 2 600) falls below the 50 m² of RESETTLEMENT_PER_CAPITA and nothing else changes.

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

/** The code of the project the browser test registers (not in the demo registry). */
export const CODE = '511722-2020-901';
/** The rule the failing package breaks. */
export const FAILING_RULE = 'RESETTLEMENT_PER_CAPITA';

const NORTH_SHIFT_M = 5000;

/** The example's files, shifted and renamed: a Map of file name to text. */
function baseFiles(exampleDir) {
  const files = new Map();
  for (const name of fs.readdirSync(exampleDir)) {
    // Layers used only by `guagou check --base/--others` are not part of what a county uploads.
    if (name === 'base-landuse.geojson' || name === 'other-project.txt') continue;
    files.set(name, fs.readFileSync(path.join(exampleDir, name), 'utf8'));
  }
  const need = ['project.toml', 'demolition.txt', 'resettlement.geojson'];
  for (const name of need) {
    if (!files.has(name)) throw new Error(`${exampleDir} has no ${name}`);
  }
  files.set('project.toml', files.get('project.toml').replace(/^code = ".*"$/m, `code = "${CODE}"`));
  // Ministry text: J<n>,<ring>,<X = northing>,<Y = zone + easting>.
  files.set(
    'demolition.txt',
    files
      .get('demolition.txt')
      .replace(/^(J\d+,\d+,)([0-9.]+),/gm, (_, head, x) => `${head}${(Number(x) + NORTH_SHIFT_M).toFixed(3)},`),
  );
  const sites = JSON.parse(files.get('resettlement.geojson'));
  for (const feature of sites.features) {
    for (const ring of feature.geometry.coordinates) {
      for (const point of ring) point[1] += NORTH_SHIFT_M;
    }
  }
  files.set('resettlement.geojson', JSON.stringify(sites));
  if (!files.get('project.toml').includes(CODE)) throw new Error('project.toml has no code line');
  return files;
}

/** The passing package (all rules pass against the demo registry). */
export function passingFiles(exampleDir) {
  return baseFiles(exampleDir);
}

/** The failing package: same parcels, ten times the persons, so FAILING_RULE fails. */
export function failingFiles(exampleDir) {
  const files = baseFiles(exampleDir);
  const toml = files.get('project.toml');
  const changed = toml.replace(/^persons_resettled = \d+$/m, 'persons_resettled = 2600');
  if (changed === toml) throw new Error('project.toml has no persons_resettled line');
  files.set('project.toml', changed);
  return files;
}

/** A zip archive (deflate) of `files` (name → text), all at the archive's root. */
export function zip(files) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [name, text] of files) {
    const nameBytes = Buffer.from(name, 'utf8');
    const data = Buffer.from(text, 'utf8');
    const packed = zlib.deflateRawSync(data);
    const crc = zlib.crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(0, 10); // time and date: 1980-00-00
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // made by
    central.writeUInt16LE(20, 6); // needed
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(0, 12);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.size, 8);
  end.writeUInt16LE(files.size, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
