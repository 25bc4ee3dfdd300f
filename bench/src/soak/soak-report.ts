/** The soak's figures as a markdown section (for results/soak*.md and bench/README.md). */
import type { RssFigures, SoakResults } from './run-soak.js'

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`

function rssRow(name: keyof RssFigures, r: SoakResults['rss']): string {
  return `| ${name} | ${mib(r.before[name])} | ${mib(r.after[name])} | ${mib(r.afterGc[name])} |`
}

/**
 * @example
 * writeFileSync('results/soak.md', renderSoak(results))
 */
export function renderSoak(
  r: SoakResults,
  title = 'Soak: users × messages through the SDK, the gateway restarted gracefully in the middle',
): string {
  const failed =
    Object.entries(r.failed)
      .map(([code, n]) => `${n} ${code}`)
      .join(', ') || '0'
  const lines = [
    `## ${title}`,
    '',
    `${r.config.users.toLocaleString('en')} users × ${r.config.messages} messages (${r.config.name}), gateway module \`${r.gatewayModule}\`, started ${r.startedAt}, ${(r.durationMs / 1000).toFixed(1)} s. ` +
      `Graceful restart after ${r.restart.atAcknowledged.toLocaleString('en')} acknowledgements; it took ${r.restart.ms} ms (drain, ${r.config.downMs} ms down, up).`,
    '',
    '| figure | count |',
    '|---|---|',
    `| messages sent | ${r.sent.toLocaleString('en')} |`,
    `| acknowledged (\`send()\` resolved) | ${r.acknowledged.toLocaleString('en')} |`,
    `| rejected by the SDK (never acknowledged) | ${failed} |`,
    `| answered (a \`final\` reached the sender) | ${r.answered.toLocaleString('en')} |`,
    `| answered, but the \`final\` event missed (the reply is in the history; the client got \`resync\`) | ${r.answeredInHistoryOnly ?? 0} |`,
    `| **lost** (acknowledged, never answered: no \`final\`, no reply stored) | **${r.lost}** |`,
    `| ended in error/aborted | ${r.runErrors} |`,
    `| **doubled** (two \`final\`s for one run) | **${r.doubledFinals}** |`,
    `| **misdelivered** (a reply to another message or user) | **${r.misdelivered}** |`,
    `| history: acknowledged without a stored reply | ${r.lostInHistory} |`,
    `| history: message or reply stored twice | ${r.doubledInHistory} |`,
    `| history: rows not the user's own | ${r.foreignInHistory} |`,
    `| browser sockets reconnected / \`resync\` events | ${r.reconnects ?? 0} / ${
      Object.entries(r.resyncs ?? {})
        .map(([k, n]) => `${n} ${k}`)
        .join(', ') || '0'
    } |`,
    '',
    '| RSS | before (all connected) | after (all settled) | after closing the clients and a GC |',
    '|---|---|---|---|',
    rssRow('proxy', r.rss),
    rssRow('gateway', r.rss),
    rssRow('clients', r.rss),
  ]
  if (r.examples.length > 0) lines.push('', 'Examples:', '', ...r.examples.map((e) => `- ${e}`))
  return `${lines.join('\n')}\n`
}
