<?php
// Orders each package's versions in a histories file (stdin to stdout) the
// way Composer does: composer/semver's VersionParser::normalize (Debian's
// php-composer-semver), then PHP's version_compare. See ../README.md.
require '/usr/share/php/Composer/Semver/autoload.php';
$parser = new Composer\Semver\VersionParser();
$cmp = fn ($a, $b) => version_compare($parser->normalize($a), $parser->normalize($b));
$vs = [];
$flush = function () use (&$vs, $cmp) {
    usort($vs, $cmp);
    $group = [];
    foreach ($vs as $v) {
        if ($group && $cmp(end($group), $v) !== 0) {
            echo implode("\t", $group), "\n";
            $group = [];
        }
        $group[] = $v;
    }
    if ($group) {
        echo implode("\t", $group), "\n";
    }
    $vs = [];
};
while (($line = fgets(STDIN)) !== false) {
    $line = rtrim($line, "\n");
    if (str_starts_with($line, '#')) {
        $flush();
        echo $line, "\n";
    } elseif (trim($line) !== '') {
        array_push($vs, ...explode("\t", $line));
    }
}
$flush();
