// KIP-848 subscribed_topic_regex: Kafka matches it with RE2/J against whole topic names; JavaScript's RegExp approximates that.

/** Patterns compiled so far; bounded because every heartbeat may carry a new one. */
const compiled = new Map<string, RegExp | null>();
const MAX_COMPILED = 1_024;

/** RE2's POSIX classes, which JavaScript's RegExp does not know, inside a bracket expression. */
const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

/**
 * The RegExp for an RE2/J pattern, or null when it does not compile (the heartbeat then answers
 * INVALID_REGULAR_EXPRESSION). Kafka calls `Pattern.matcher(topic).matches()`, a whole-name match, so
 * the pattern is anchored at both ends. RE2 syntax JavaScript lacks is translated: leading inline
 * flags `(?i)`, `(?s)`, `(?m)` become RegExp flags, `(?P<name>` becomes `(?<name>`, `\Q…\E` quotes
 * literally, `[[:alpha:]]`-style classes expand. Beyond that the two dialects agree on the syntax topic
 * patterns use (classes, alternation, repetition, `\d\w\s`); JavaScript additionally accepts
 * backreferences and lookaround, which RE2 refuses — such a pattern is matched here rather than refused.
 */
export function compileTopicRegex(pattern: string): RegExp | null {
  const cached = compiled.get(pattern);
  if (cached !== undefined || compiled.has(pattern)) return cached ?? null;
  let regex: RegExp | null;
  try {
    regex = translate(pattern);
  } catch {
    regex = null;
  }
  if (compiled.size >= MAX_COMPILED) compiled.clear();
  compiled.set(pattern, regex);
  return regex;
}

function translate(pattern: string): RegExp {
  let body = pattern;
  let flags = 'u';
  const inline = /^\(\?([ims]+)\)/.exec(body);
  if (inline !== null) {
    body = body.slice(inline[0].length);
    for (const flag of new Set(inline[1])) flags += flag;
  }
  body = body.replace(/\\Q([\s\S]*?)(?:\\E|$)/g, (_all, literal: string) =>
    literal.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'),
  );
  body = body.replace(/\(\?P</g, '(?<');
  body = body.replace(/\[:(\^?)([a-z]+):\]/g, (all, negated: string, name: string) => {
    const range = POSIX_CLASSES[name];
    if (range === undefined || negated !== '') return all;
    return range;
  });
  return new RegExp(`^(?:${body})$`, flags);
}

/** Kafka's internal topics: a regex never subscribes to them (the clients' exclude.internal.topics default). */
const INTERNAL_TOPICS: ReadonlySet<string> = new Set([
  '__consumer_offsets',
  '__transaction_state',
  '__share_group_state',
]);

/** The names that `regex` matches in full, internal topics left out. */
export function topicsMatching(regex: RegExp, names: Iterable<string>): string[] {
  const matched: string[] = [];
  for (const name of names) if (!INTERNAL_TOPICS.has(name) && regex.test(name)) matched.push(name);
  return matched;
}
