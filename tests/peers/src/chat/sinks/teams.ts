import { createHmac, timingSafeEqual } from 'node:crypto';
import { isObject, parseJson, segmentsOf, type PeerRequest, type Reply } from '../http';
import { renderMarkdown, type Rendered } from '../markup';
import { emptyFormatting, mergeFormatting } from '../types';
import { nextSeq, reject, type Credentials, type HttpSink, type Outcome } from './sink';

// Teams "Workflows" webhook = a Power Automate / Logic Apps HTTP trigger ("Post to a channel when a webhook
// request is received"). The trigger answers 202 Accepted with an empty body as soon as the request is
// authorised; the card is posted later by the flow run, so a bad card does NOT reach the client as an HTTP error,
// it fails the run (MicrosoftDocs/msteams-docs#11302 and polymind-inc/acmebot#869 quote the run error for a
// body without `attachments`; robusta-dev/robusta#2113 and Skitionek/notify-microsoft-teams#98 on the 202).
// The card must be an Adaptive Card ("Workflows support Adaptive Cards only") and the message at most 28 KB
// (learn.microsoft.com .../webhooks-and-connectors/how-to/connectors-using, add-incoming-webhook).
// SAS errors: 401 DirectApiAuthorizationRequired without `sig`, DirectApiInvalidAuthorizationSignature with a wrong
// one, 404 WorkflowNotFound. Throttling: 429 "Rate limit is exceeded. Try again in N seconds." with Retry-After.

export const TEAMS_MAX_BYTES = 28 * 1024;
const ADAPTIVE = 'application/vnd.microsoft.card.adaptive';
const SEND_EACH = "Action 'Send_each_adaptive_card' failed";
const POST_CARD = "Action 'Post_card_in_a_chat_or_channel' failed";

const CONTAINERS = new Set(['Container', 'Column', 'TableCell']);
const ELEMENTS = new Set([
  'TextBlock',
  'RichTextBlock',
  'Image',
  'ImageSet',
  'Media',
  'Container',
  'ColumnSet',
  'Column',
  'FactSet',
  'ActionSet',
  'Table',
  'CodeBlock',
  'Icon',
  'Badge',
  'Input.Text',
  'Input.Number',
  'Input.Date',
  'Input.Time',
  'Input.Toggle',
  'Input.ChoiceSet',
]);

export interface TeamsOptions {
  signingKey: string;
  /** Answer a bad card with 400 (a flow with trigger schema validation on) instead of 202 plus a failed run. */
  strict: boolean;
}

export function teamsSignature(signingKey: string, workflowId: string, sp: string, sv: string): string {
  return createHmac('sha256', signingKey).update(`${workflowId}\n${sp}\n${sv}`).digest('base64url');
}

export function teamsPath(signingKey: string, workflowId: string): string {
  const sp = '/triggers/manual/run';
  const sv = '1.0';
  const sig = teamsSignature(signingKey, workflowId, sp, sv);
  return `/workflows/${workflowId}/triggers/manual/paths/invoke?api-version=2016-06-01&sp=${encodeURIComponent(sp)}&sv=${sv}&sig=${sig}`;
}

class CardError extends Error {}

function collect(elements: unknown, where: string, out: Rendered[]): void {
  if (elements === undefined) return;
  if (!Array.isArray(elements)) throw new CardError(`${where} must be an array`);
  elements.forEach((el, i) => {
    const at = `${where}[${i}]`;
    if (!isObject(el) || typeof el.type !== 'string') throw new CardError(`${at}: element without a type`);
    if (!ELEMENTS.has(el.type)) throw new CardError(`${at}: unknown element type "${el.type}"`);
    switch (el.type) {
      case 'TextBlock': {
        if (typeof el.text !== 'string') throw new CardError(`${at}: TextBlock requires text`);
        const r = renderMarkdown(el.text);
        if (el.weight === 'Bolder' || el.weight === 'bolder') r.formatting.bold.push(r.text);
        if (el.fontType === 'Monospace' || el.fontType === 'monospace') r.formatting.pre.push(r.text);
        out.push(r);
        break;
      }
      case 'RichTextBlock': {
        const formatting = emptyFormatting();
        let line = '';
        for (const run of Array.isArray(el.inlines) ? el.inlines : []) {
          const piece = typeof run === 'string' ? run : isObject(run) && typeof run.text === 'string' ? run.text : '';
          line += piece;
          if (isObject(run)) {
            if (run.weight === 'Bolder' || run.weight === 'bolder') formatting.bold.push(piece);
            if (run.italic === true) formatting.italic.push(piece);
            if (run.fontType === 'Monospace' || run.fontType === 'monospace') formatting.code.push(piece);
            if (isObject(run.selectAction) && typeof run.selectAction.url === 'string')
              formatting.links.push({ text: piece, url: run.selectAction.url });
          }
        }
        out.push({ text: line, formatting });
        break;
      }
      case 'CodeBlock': {
        if (typeof el.codeSnippet !== 'string') throw new CardError(`${at}: CodeBlock requires codeSnippet`);
        const formatting = emptyFormatting();
        formatting.pre.push(el.codeSnippet);
        out.push({ text: el.codeSnippet, formatting });
        break;
      }
      case 'FactSet':
        for (const fact of Array.isArray(el.facts) ? el.facts : []) {
          if (isObject(fact)) out.push(renderMarkdown(`${String(fact.title ?? '')}: ${String(fact.value ?? '')}`));
        }
        break;
      case 'ColumnSet':
        collect(el.columns, `${at}.columns`, out);
        break;
      case 'Table':
        for (const row of Array.isArray(el.rows) ? el.rows : []) {
          if (isObject(row)) collect(row.cells, `${at}.rows.cells`, out);
        }
        break;
      case 'ActionSet':
        collectActions(el.actions, out);
        break;
      default:
        if (CONTAINERS.has(el.type)) collect(el.items, `${at}.items`, out);
    }
  });
}

function collectActions(actions: unknown, out: Rendered[]): void {
  for (const action of Array.isArray(actions) ? actions : []) {
    if (isObject(action) && action.type === 'Action.OpenUrl' && typeof action.url === 'string') {
      const formatting = emptyFormatting();
      formatting.links.push({ text: typeof action.title === 'string' ? action.title : action.url, url: action.url });
      out.push({ text: '', formatting });
    }
  }
}

/** Returns the rendered card, or the reason the flow run fails. */
function runFlow(body: unknown, bytes: number): { ok: true; rendered: Rendered } | { ok: false; error: string } {
  if (!isObject(body) || !Array.isArray(body.attachments)) {
    const kind = isObject(body) && body.attachments !== undefined ? typeof body.attachments : 'Null';
    return {
      ok: false,
      error: `${SEND_EACH}: The execution of template action 'Send_each_adaptive_card' failed: the result of the evaluation of 'foreach' expression '@triggerOutputs()?['body']?['attachments']' is of type '${kind}'. The result must be a valid array.`,
    };
  }
  if (body.attachments.length === 0)
    return { ok: false, error: `${SEND_EACH.replace('failed', 'skipped')}: attachments is empty, the run succeeds and posts nothing` };
  if (bytes > TEAMS_MAX_BYTES)
    return { ok: false, error: `${POST_CARD}: RequestEntityTooLarge: the message is ${bytes} bytes, the limit is ${TEAMS_MAX_BYTES}` };
  const parts: Rendered[] = [];
  for (const [i, attachment] of body.attachments.entries()) {
    if (!isObject(attachment)) return { ok: false, error: `${POST_CARD}: attachments[${i}] is not an object` };
    if (attachment.contentType !== ADAPTIVE) {
      return {
        ok: false,
        error: `${POST_CARD}: attachments[${i}].contentType ${JSON.stringify(attachment.contentType)}: Workflows support Adaptive Cards only`,
      };
    }
    const card = attachment.content;
    if (!isObject(card) || card.type !== 'AdaptiveCard')
      return { ok: false, error: `${POST_CARD}: attachments[${i}].content is not an AdaptiveCard` };
    if (typeof card.version !== 'string' || !/^\d+\.\d+$/.test(card.version)) {
      return { ok: false, error: `${POST_CARD}: attachments[${i}].content.version is required ("1.4", "1.5", ...)` };
    }
    if (!Array.isArray(card.body)) return { ok: false, error: `${POST_CARD}: attachments[${i}].content.body must be an array` };
    try {
      collect(card.body, `attachments[${i}].content.body`, parts);
      collectActions(card.actions, parts);
    } catch (err) {
      if (err instanceof CardError) return { ok: false, error: `${POST_CARD}: The card is invalid: ${err.message}` };
      throw err;
    }
  }
  return {
    ok: true,
    rendered: {
      text: parts
        .map((p) => p.text)
        .filter((t) => t !== '')
        .join('\n'),
      formatting: mergeFormatting(...parts.map((p) => p.formatting)),
    },
  };
}

const azureError = (status: number, code: string, message: string): Reply => ({ status, body: { error: { code, message } } });

export function teamsSink(credentials: Credentials, options: TeamsOptions): HttpSink {
  const workflowOf = (req: PeerRequest): { id: string; trigger: string } | undefined => {
    const segs = segmentsOf(req.path);
    const start = segs[0] === 'powerautomate' && segs[1] === 'automations' && segs[2] === 'direct' ? 3 : 0;
    const rest = segs.slice(start);
    if (rest.length !== 6 || rest[0] !== 'workflows' || rest[2] !== 'triggers' || rest[4] !== 'paths' || rest[5] !== 'invoke')
      return undefined;
    return { id: rest[1]!, trigger: rest[3]! };
  };
  return {
    channel: 'teams',
    matches: (req) => {
      const segs = segmentsOf(req.path);
      return segs[0] === 'workflows' || (segs[0] === 'powerautomate' && segs[3] === 'workflows');
    },
    handle(req: PeerRequest): Outcome {
      const wf = workflowOf(req);
      if (!wf || !credentials.accepts('teams', wf.id)) {
        return reject(
          azureError(404, 'WorkflowNotFound', `The workflow '${wf?.id ?? ''}' could not be found.`),
          'not-found',
          'unknown workflow',
        );
      }
      const sig = req.query.get('sig');
      if (!sig) {
        return reject(
          azureError(401, 'DirectApiAuthorizationRequired', 'The request must be authenticated only by Shared Access scheme.'),
          'auth',
          'no sig',
        );
      }
      const expected = teamsSignature(options.signingKey, wf.id, req.query.get('sp') ?? '', req.query.get('sv') ?? '');
      const a = Buffer.from(sig);
      const b = Buffer.from(expected);
      if (a.length !== b.length || !timingSafeEqual(a, b)) {
        return reject(
          azureError(401, 'DirectApiInvalidAuthorizationSignature', 'The provided authorization signature is not valid.'),
          'auth',
          'wrong sig',
        );
      }
      if (req.method !== 'POST') {
        return reject(
          azureError(
            405,
            'TriggerRequestMethodNotValid',
            `The HTTP method for this request is not valid: expected 'Post' and actual '${req.method}'.`,
          ),
          'invalid',
          'method',
        );
      }
      const parsed = parseJson(req.text);
      if (!parsed.ok) {
        return reject(
          azureError(400, 'InvalidRequestContent', `The request content is not valid and could not be deserialized: '${parsed.error}'.`),
          'invalid',
          `not JSON: ${parsed.error}`,
        );
      }
      const run = runFlow(parsed.value, req.body.length);
      if (!run.ok) {
        if (options.strict) {
          return reject(
            azureError(
              400,
              'TriggerInputSchemaMismatch',
              `The input body for trigger '${wf.trigger}' of type 'Request' did not match its schema definition. Error details: '${run.error}'.`,
            ),
            'invalid',
            run.error,
          );
        }
        return reject({ status: 202 }, 'invalid', `flow run failed: ${run.error}`);
      }
      return {
        reply: { status: 202 },
        accepted: {
          id: `teams-${nextSeq()}`,
          target: wf.id,
          payload: parsed.value,
          text: run.rendered.text,
          formatting: run.rendered.formatting,
        },
      };
    },
    faultReply(status, retryAfterSec): Reply {
      if (status === 429) {
        const secs = Math.ceil(retryAfterSec);
        return {
          status,
          headers: { 'retry-after': String(secs) },
          body: { error: { code: '429', message: `Rate limit is exceeded. Try again in ${secs} seconds.` } },
        };
      }
      return status === 500
        ? azureError(500, 'InternalServerError', 'Encountered internal server error.')
        : azureError(503, 'ServiceUnavailable', 'The service is temporarily unavailable.');
    },
    outageReply: () => azureError(503, 'ServiceUnavailable', 'The service is temporarily unavailable.'),
  };
}
