import { Injectable } from '@nestjs/common';
import { Prisma, PrismaService } from '@app/database';

export interface NodeTrafficTotals {
  nodeId: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
}

@Injectable()
export class NetworkTrafficRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Folds up to `limit` inference records past the watermark, created more than `settleMs` ago, into the hourly
   * counters and moves the watermark past them, in one transaction: a crash never counts a record twice or skips it.
   * The watermark row is locked first, so concurrent passes (every worker runs one) take turns and the second starts
   * from where the first stopped. Returns how many records it passed (nodeless ones included).
   */
  fold(limit: number, settleMs: number): Promise<number> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT 1 FROM "NetworkRollupWatermark" WHERE "id" = 1 FOR UPDATE`;
      // A fresh statement after the lock: it sees the watermark the previous pass committed.
      const rows = await tx.$queryRaw<{ folded: number }[]>`
        WITH mark AS (
          SELECT "lastCreatedAt", "lastRecordId" FROM "NetworkRollupWatermark" WHERE "id" = 1
        ), batch AS (
          SELECT r."id", r."nodeId", r."createdAt", r."promptTokens", r."completionTokens"
          FROM "InferenceRecord" r, mark
          WHERE (r."createdAt", r."id") > (mark."lastCreatedAt", mark."lastRecordId")
            AND r."createdAt" < (now() AT TIME ZONE 'UTC') - make_interval(secs => ${settleMs / 1000})
          ORDER BY r."createdAt", r."id"
          LIMIT ${limit}
        ), counted AS (
          INSERT INTO "NodeTrafficHour" ("nodeId", "hour", "requests", "promptTokens", "completionTokens")
          SELECT "nodeId", date_trunc('hour', "createdAt") AT TIME ZONE 'UTC', count(*)::int,
                 sum("promptTokens")::int, sum("completionTokens")::int
          FROM batch WHERE "nodeId" IS NOT NULL
          GROUP BY 1, 2
          ON CONFLICT ("nodeId", "hour") DO UPDATE SET
            "requests" = "NodeTrafficHour"."requests" + EXCLUDED."requests",
            "promptTokens" = "NodeTrafficHour"."promptTokens" + EXCLUDED."promptTokens",
            "completionTokens" = "NodeTrafficHour"."completionTokens" + EXCLUDED."completionTokens"
        ), last AS (
          SELECT "createdAt", "id" FROM batch ORDER BY "createdAt" DESC, "id" DESC LIMIT 1
        ), moved AS (
          UPDATE "NetworkRollupWatermark" SET
            "lastCreatedAt" = last."createdAt", "lastRecordId" = last."id", "updatedAt" = now() AT TIME ZONE 'UTC'
          FROM last WHERE "NetworkRollupWatermark"."id" = 1
        )
        SELECT count(*)::int AS folded FROM batch`;
      return rows[0]?.folded ?? 0;
    });
  }

  /**
   * Each node's traffic in the hours starting at or after each of `sinces`, one list per `since`, from one statement:
   * one snapshot, so a rollup committing between windows cannot make a shorter window show more than a longer one.
   */
  async totalsSinceEach(sinces: readonly Date[]): Promise<NodeTrafficTotals[][]> {
    if (sinces.length === 0) return [];
    const earliest = new Date(Math.min(...sinces.map((since) => since.getTime())));
    const sums = sinces.map(
      (since, i) => Prisma.sql`
        COALESCE(SUM("requests") FILTER (WHERE "hour" >= ${since}), 0)::int AS ${Prisma.raw(`"requests${i}"`)},
        COALESCE(SUM("promptTokens") FILTER (WHERE "hour" >= ${since}), 0)::int AS ${Prisma.raw(`"promptTokens${i}"`)},
        COALESCE(SUM("completionTokens") FILTER (WHERE "hour" >= ${since}), 0)::int AS ${Prisma.raw(`"completionTokens${i}"`)},
        COUNT(*) FILTER (WHERE "hour" >= ${since})::int AS ${Prisma.raw(`"hours${i}"`)}`,
    );
    const rows = await this.prisma.$queryRaw<Record<string, string | number>[]>`
      SELECT "nodeId"::text AS "nodeId", ${Prisma.join(sums)}
      FROM "NodeTrafficHour" WHERE "hour" >= ${earliest} GROUP BY "nodeId"`;
    // A node with no hour inside a window is absent from that window's list, as a groupBy over it would have it.
    return sinces.map((_, i) =>
      rows
        .filter((row) => Number(row[`hours${i}`]) > 0)
        .map((row) => ({
          nodeId: String(row.nodeId),
          requests: Number(row[`requests${i}`]),
          promptTokens: Number(row[`promptTokens${i}`]),
          completionTokens: Number(row[`completionTokens${i}`]),
        })),
    );
  }
}
