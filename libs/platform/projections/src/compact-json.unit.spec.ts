import { isOneCompactValueBytes, isOneCompactValueText } from './compact-json';

/** Both forms of the check on one JSON text, over every span that starts at one of its values. */
function bothAgree(json: string): { yes: number; no: number } {
  const bytes = Buffer.from(json);
  let yes = 0;
  let no = 0;
  // Value starts and span ends, in code units and in bytes (the same positions, shifted by multi-byte characters).
  for (let start = 0; start < json.length; start++) {
    if (!/["{[\-\dtfn]/.test(json[start]!)) continue;
    for (let end = start + 1; end <= json.length; end++) {
      const byteStart = Buffer.byteLength(json.slice(0, start));
      const byteEnd = Buffer.byteLength(json.slice(0, end));
      const text = isOneCompactValueText(json, start, end);
      expect([json, start, end, isOneCompactValueBytes(bytes, byteStart, byteEnd)]).toEqual([json, start, end, text]);
      if (text) yes++;
      else no++;
    }
  }
  return { yes, no };
}

describe('isOneCompactValue (text and bytes)', () => {
  it('takes exactly one compact value', () => {
    const ok = ['{"a":1}', '[1,"x",{"b":[]}]', '"a\\"b\\\\"', '{"s":"ü 🚨 \\u00e9"}', '12.5e3', 'null', '{"a":{"b":{"c":[1,2]}}}'];
    for (const v of ok) {
      expect(isOneCompactValueText(v, 0, v.length)).toBe(true);
      expect(isOneCompactValueBytes(Buffer.from(v), 0, Buffer.byteLength(v))).toBe(true);
    }
    const notOne = ['{"a":1},{"b":2}', '{"a": 1}', '[1, 2]', '{"a":1}}', '"open', '1,2', '"k":1', '{"a":[1}'];
    for (const v of notOne) {
      expect([v, isOneCompactValueText(v, 0, v.length)]).toEqual([v, false]);
      expect([v, isOneCompactValueBytes(Buffer.from(v), 0, Buffer.byteLength(v))]).toEqual([v, false]);
    }
  });

  it('gives the same answer on the text and on its UTF-8 bytes, for every span of these texts', () => {
    const texts = ['{"a":[1,{"b":"x\\"],"}],"c":"ü🚨"}', '[["\\\\"],{"k":"v:,"},null,true]', '{"n":-1.5e-3,"s":"\\u0000\\t","e":{}}'];
    let yes = 0;
    let no = 0;
    for (const t of texts) {
      const r = bothAgree(t);
      yes += r.yes;
      no += r.no;
    }
    expect(yes).toBeGreaterThan(10);
    expect(no).toBeGreaterThan(100);
  });
});
