# Orders each package's versions in a histories file (stdin to stdout) with
# RubyGems' own Gem::Version (Debian's ruby). See ../README.md.
def flush(vs)
  vs.sort { |a, b| Gem::Version.new(a) <=> Gem::Version.new(b) }
    .chunk_while { |a, b| Gem::Version.new(a) == Gem::Version.new(b) }
    .each { |g| puts g.join("\t") }
  vs.clear
end
vs = []
$stdin.each_line(chomp: true) do |line|
  if line.start_with?('#')
    flush(vs)
    puts line
  elsif !line.strip.empty?
    vs.concat(line.split("\t"))
  end
end
flush(vs)
