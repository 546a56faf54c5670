// Orders each package's versions in a histories file (stdin to stdout) with
// node-semver (npm's own semver library, installed with npm):
//   node order.js compare       SemVer 2.0 precedence, build metadata ignored
//   node order.js compareBuild  the same, then a build above none, builds
//                               compared like pre-release identifiers
// NODE_PATH must reach the semver package (see ../README.md).
const semver = require('semver');
const cmp = { compare: semver.compare, compareBuild: semver.compareBuild }[process.argv[2]];
if (!cmp) throw new Error('usage: node order.js compare|compareBuild');
const out = [];
let vs = [];
const flush = () => {
  vs.sort(cmp);
  let group = [];
  for (const v of vs) {
    if (group.length && cmp(group[group.length - 1], v) !== 0) {
      out.push(group.join('\t'));
      group = [];
    }
    group.push(v);
  }
  if (group.length) out.push(group.join('\t'));
  vs = [];
};
const lines = require('fs').readFileSync(0, 'utf8').split('\n');
if (lines[lines.length - 1] === '') lines.pop();
for (const line of lines) {
  if (line.startsWith('#')) {
    flush();
    out.push(line);
  } else if (line.trim()) {
    vs.push(...line.split('\t'));
  }
}
flush();
process.stdout.write(out.join('\n') + '\n');
