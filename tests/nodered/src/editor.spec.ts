import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_DIR } from '@cleargate/testing/node-red';

/**
 * The editor files. Snap4City's on-demand block gave its machine_id and endpoint inputs the same
 * id, so the editor could never set machine_id; every input here must have an id of its own, and
 * every property a node keeps must have exactly the input the editor binds it to.
 */

const NODES_DIR = join(PACKAGE_DIR, 'nodes');
const htmlFiles = readdirSync(NODES_DIR).filter((f) => f.endsWith('.html'));

interface EditorFile {
  type: string;
  html: string;
  /** the `<script type="text/html" data-template-name>` body */
  template: string;
  defaults: string[];
  credentials: string[];
  isConfig: boolean;
}

function block(source: string, name: string): string {
  const start = source.indexOf(`${name}: {`);
  if (start === -1) return '';
  let depth = 0;
  for (let i = source.indexOf('{', start); i < source.length; i++) {
    if (source[i] === '{') depth++;
    if (source[i] === '}' && --depth === 0) return source.slice(source.indexOf('{', start) + 1, i);
  }
  throw new Error(`unbalanced ${name} block`);
}

/** Top-level keys of an object literal's body. */
function keys(body: string): string[] {
  const out: string[] = [];
  let depth = 0;
  for (const m of body.matchAll(/[{}]|(\w+)\s*:/g)) {
    if (m[0] === '{') depth++;
    else if (m[0] === '}') depth--;
    else if (depth === 0) out.push(m[1]!);
  }
  return out;
}

function parse(html: string, file: string): EditorFile {
  const type = /RED\.nodes\.registerType\('([^']+)'/.exec(html)?.[1];
  if (!type) throw new Error(`${file} registers no node type`);
  const template = new RegExp(`<script type="text/html" data-template-name="${type}">([\\s\\S]*?)</script>`).exec(html)?.[1];
  if (template === undefined) throw new Error(`${file} has no editor template for ${type}`);
  if (!html.includes(`data-help-name="${type}"`)) throw new Error(`${file} has no help for ${type}`);
  return {
    type,
    html,
    template,
    defaults: keys(block(html, 'defaults')),
    credentials: keys(block(html, 'credentials')),
    isConfig: /category:\s*'config'/.test(html),
  };
}

const files = htmlFiles.map((f) => parse(readFileSync(join(NODES_DIR, f), 'utf8'), f));

/** Ids given to more than one element. */
function repeatedIds(html: string): string[] {
  const ids = [...html.matchAll(/\bid\s*=\s*"([^"]+)"/g)].map((m) => m[1]!);
  return ids.filter((id, i) => ids.indexOf(id) !== i);
}

/** What is wrong with how the template binds the node's properties: each needs exactly one input. */
function bindingProblems(file: EditorFile): string[] {
  const prefix = file.isConfig ? 'node-config-input-' : 'node-input-';
  const ids = [...file.template.matchAll(/\bid\s*=\s*"([^"]+)"/g)].map((m) => m[1]!);
  const problems: string[] = [];
  for (const key of [...file.defaults, ...file.credentials]) {
    const inputs = ids.filter((id) => id === `${prefix}${key}`).length;
    if (inputs !== 1) problems.push(`${key}: ${inputs} inputs`);
  }
  // an input bound to a property the node does not keep loses its value
  for (const id of ids.filter((i) => i.startsWith(prefix))) {
    const key = id.slice(prefix.length);
    if (!file.defaults.includes(key) && !file.credentials.includes(key)) problems.push(`${id}: no such property`);
  }
  for (const m of file.template.matchAll(/<label[^>]*\bfor\s*=\s*"([^"]+)"/g)) {
    if (!ids.includes(m[1]!)) problems.push(`label for ${m[1]}: no such input`);
  }
  return problems;
}

/** The editor template of Snap4City's "ClearML On-Demand Serving Auth" block, as published. */
const ORIGINAL_ONDEMAND = `
<script type="text/x-red" data-template-name="clearml-serving-ondemand">
    <div class="form-row" id="rowAuthentication">
        <label for="node-input-authentication">Authentication</label>
        <input type="text" id="node-input-authentication">
    </div>
    <div class="form-row">
        <label for="node-input-endpoint"><i class="icon-tag"></i>machine_id</label>
        <input type="text" id="node-input-endpoint" placeholder="serving machine task id">
    </div>
    <div class="form-row">
        <label for="node-input-endpoint"><i class="icon-tag"></i>endpoint</label>
        <input type="text" id="node-input-endpoint" placeholder="endpoint service id">
    </div>
    <div class="form-row">
        <label for="node-input-input"><i class="icon-tag"></i>input</label>
        <textarea id="node-input-input" placeholder="{}" style="height: 100px;"></textarea>
    </div>
</script>
<script type="text/x-red" data-help-name="clearml-serving-ondemand"><p>help</p></script>
<script type="text/javascript">
    RED.nodes.registerType('clearml-serving-ondemand', {
        category: 'S4CClearml',
        defaults: {
            authentication: { type: "snap4city-authentication-clearml", required: false },
            machine_id: { value: "" },
            endpoint: { value: "" },
            input: { value: "" }
        },
        inputs: 1,
        outputs: 1
    });
</script>`;

describe('editor files', () => {
  it('are checked for the defect of the block they replace', () => {
    const original = parse(ORIGINAL_ONDEMAND.replace(/text\/x-red" data-template-name/, 'text/html" data-template-name'), 'original');
    expect(repeatedIds(original.html)).toEqual(['node-input-endpoint']);
    expect(bindingProblems(original)).toEqual(['machine_id: 0 inputs', 'endpoint: 2 inputs']);
  });

  it('exist for every node the package declares, and only for them', () => {
    const pkg = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
    const declared = Object.entries(pkg['node-red'].nodes);
    expect(files.map((f) => f.type).sort()).toEqual(declared.map(([type]) => type).sort());
    for (const [, js] of declared) expect(htmlFiles).toContain(js.replace(/^nodes\//, '').replace(/\.js$/, '.html'));
  });

  it.each(files.map((f) => [f.type, f] as const))('%s: every element id is used once', (_type, file) => {
    expect(file.html).toMatch(/\bid\s*=\s*"node-/);
    expect(repeatedIds(file.html)).toEqual([]);
  });

  it.each(files.map((f) => [f.type, f] as const))(
    '%s: every property and credential has exactly one input, every label an input',
    (_type, file) => {
      expect(file.defaults.length).toBeGreaterThan(0);
      expect(bindingProblems(file)).toEqual([]);
    },
  );

  it('keep the fields of the blocks they replace, so a flow migrates by swapping the node', () => {
    const byType = Object.fromEntries(files.map((f) => [f.type, f]));
    expect(byType['cleargate-ondemand']!.defaults).toEqual(expect.arrayContaining(['authentication', 'machine_id', 'endpoint', 'input']));
    expect(byType['cleargate-enqueue']!.defaults).toEqual(expect.arrayContaining(['authentication', 'task_id', 'queue_name', 'input']));
    // secrets are credentials, never flow properties
    expect(byType['cleargate-config']!.credentials.sort()).toEqual(['clientSecret', 'password', 'username']);
    for (const f of files) expect(f.defaults).not.toEqual(expect.arrayContaining(['password']));
  });
});
