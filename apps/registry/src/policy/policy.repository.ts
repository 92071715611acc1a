import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AuditRecord, LimitRule, LimitScope, LimitValues, limitValuesSchema, Suspension } from '@cleargate/contracts';
import { decodeCursor, encodeCursor } from '../database/paging';

interface RuleRow {
  id: string;
  scope: LimitScope;
  subject: string;
  user_name: string | null;
  limits: LimitValues;
  updated_by: string;
  updated_at: Date;
  machine_public_id: string | null;
  endpoint_name: string | null;
  task_public_id: string | null;
}

interface AuditRow {
  id: string;
  at: Date;
  actor: string;
  action: AuditRecord['action'];
  target: string;
  reason: string | null;
  details: Record<string, unknown>;
}

function toRule(r: RuleRow): LimitRule {
  const target =
    r.scope === 'endpoint' && r.machine_public_id && r.endpoint_name
      ? { machine_id: r.machine_public_id.trim(), endpoint: r.endpoint_name }
      : r.scope === 'task' && r.task_public_id
        ? { task_id: r.task_public_id.trim() }
        : null;
  return {
    id: r.id,
    scope: r.scope,
    subject: r.subject,
    user: r.user_name,
    target,
    limits: limitValuesSchema.parse(r.limits),
    updated_by: r.updated_by,
    updated_at: new Date(r.updated_at).toISOString(),
  };
}

function toSuspension(r: { username: string; reason: string; suspended_by: string; suspended_at: Date }): Suspension {
  return { username: r.username, reason: r.reason, suspended_by: r.suspended_by, suspended_at: new Date(r.suspended_at).toISOString() };
}

function toAudit(r: AuditRow): AuditRecord {
  return {
    id: r.id,
    at: new Date(r.at).toISOString(),
    actor: r.actor,
    action: r.action,
    target: r.target,
    reason: r.reason,
    details: r.details ?? {},
  };
}

const RULES_SQL = `
  SELECT r.id, r.scope, r.subject, r.user_name, r.limits, r.updated_by, r.updated_at,
         m.public_id AS machine_public_id, e.name AS endpoint_name, t.public_id AS task_public_id
    FROM limit_rules r
    LEFT JOIN endpoints e ON e.id = r.endpoint_id
    LEFT JOIN machines m ON m.id = e.machine_id
    LEFT JOIN task_templates t ON t.id = r.template_id`;

/** Limit rules, suspensions, the audit log and the policy version, in PostgreSQL. */
@Injectable()
export class PolicyRepository {
  constructor(private readonly dataSource: DataSource) {}

  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async rules(scope?: LimitScope): Promise<LimitRule[]> {
    const rows: RuleRow[] = await this.dataSource.query(
      `${RULES_SQL} ${scope ? 'WHERE r.scope = $1' : ''} ORDER BY r.scope, r.subject, r.user_name NULLS FIRST`,
      scope ? [scope] : [],
    );
    return rows.map(toRule);
  }

  async rule(tx: EntityManager, id: string): Promise<LimitRule | null> {
    const rows: RuleRow[] = await tx.query(`${RULES_SQL} WHERE r.id = $1`, [id]);
    return rows[0] ? toRule(rows[0]) : null;
  }

  /** Creates the rule of (scope, subject, user) or replaces its limits; its id. */
  async upsertRule(
    tx: EntityManager,
    rule: {
      scope: LimitScope;
      subject: string;
      user: string | null;
      endpointId: string | null;
      templateId: string | null;
      limits: LimitValues;
      actor: string;
    },
  ): Promise<string> {
    const rows: { id: string }[] = await tx.query(
      `INSERT INTO limit_rules (id, scope, subject, user_name, endpoint_id, template_id, limits, updated_by, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
       ON CONFLICT (scope, subject, COALESCE(user_name, '')) DO UPDATE SET limits = excluded.limits, updated_by = excluded.updated_by, updated_at = now()
       RETURNING id`,
      [randomUUID(), rule.scope, rule.subject, rule.user, rule.endpointId, rule.templateId, JSON.stringify(rule.limits), rule.actor],
    );
    return rows[0]!.id;
  }

  async deleteRule(tx: EntityManager, id: string): Promise<LimitRule | null> {
    const rule = await this.rule(tx, id);
    if (rule) await tx.query(`DELETE FROM limit_rules WHERE id = $1`, [id]);
    return rule;
  }

  async suspensions(): Promise<Suspension[]> {
    const rows = await this.dataSource.query(`SELECT * FROM suspensions ORDER BY suspended_at, username`);
    return rows.map(toSuspension);
  }

  async isSuspended(username: string): Promise<Suspension | null> {
    const rows = await this.dataSource.query(`SELECT * FROM suspensions WHERE username = $1`, [username]);
    return rows[0] ? toSuspension(rows[0]) : null;
  }

  async suspend(tx: EntityManager, username: string, reason: string, actor: string): Promise<Suspension> {
    const rows = await tx.query(
      `INSERT INTO suspensions (username, reason, suspended_by, suspended_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (username) DO UPDATE SET reason = excluded.reason, suspended_by = excluded.suspended_by
       RETURNING *`,
      [username, reason, actor],
    );
    return toSuspension(rows[0]);
  }

  async unsuspend(tx: EntityManager, username: string): Promise<boolean> {
    const rows: unknown[] = await tx.query(`DELETE FROM suspensions WHERE username = $1 RETURNING username`, [username]);
    // For DELETE … RETURNING the postgres driver answers [rows, affected].
    const deleted = Array.isArray(rows[0]) ? (rows[0] as unknown[]) : rows;
    return deleted.length > 0;
  }

  async audit(
    tx: EntityManager,
    record: { actor: string; action: AuditRecord['action']; target: string; reason: string | null; details: Record<string, unknown> },
  ): Promise<void> {
    await tx.query(`INSERT INTO audit_log (id, at, actor, action, target, reason, details) VALUES ($1, now(), $2, $3, $4, $5, $6)`, [
      randomUUID(),
      record.actor,
      record.action,
      record.target,
      record.reason,
      JSON.stringify(record.details),
    ]);
  }

  /** Newest first, keyset-paged on (at, id). */
  async auditPage(
    filter: { action?: string; target?: string; actor?: string; since?: string; until?: string },
    page: { limit: number; cursor?: string },
  ): Promise<{ items: AuditRecord[]; next_cursor: string | null }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.action) add('action = ?', filter.action);
    if (filter.target) add('target = ?', filter.target);
    if (filter.actor) add('actor = ?', filter.actor);
    if (filter.since) add('at >= ?', filter.since);
    if (filter.until) add('at < ?', filter.until);
    if (page.cursor) {
      const [at, id] = decodeCursor(page.cursor);
      params.push(at, id);
      where.push(`(at, id) < ($${params.length - 1}, $${params.length})`);
    }
    params.push(page.limit + 1);
    const rows: AuditRow[] = await this.dataSource.query(
      `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    const items = rows.slice(0, page.limit);
    const last = items[items.length - 1];
    return {
      items: items.map(toAudit),
      next_cursor: rows.length > page.limit && last ? encodeCursor(new Date(last.at), last.id) : null,
    };
  }

  async hasRulesFor(target: { endpointId?: string; templateId?: string }): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(`SELECT 1 FROM limit_rules WHERE endpoint_id = $1 OR template_id = $2 LIMIT 1`, [
      target.endpointId ?? null,
      target.templateId ?? null,
    ]);
    return rows.length > 0;
  }

  async nextVersion(tx: EntityManager): Promise<number> {
    const rows: { v: string }[] = await tx.query(`SELECT nextval('policy_version') AS v`);
    return Number(rows[0]!.v);
  }

  async version(): Promise<number> {
    const rows: { last_value: string; is_called: boolean }[] = await this.dataSource.query(
      `SELECT last_value, is_called FROM policy_version`,
    );
    return rows[0]!.is_called ? Number(rows[0]!.last_value) : 0;
  }
}
