#!/bin/sh
# Re-orders the histories files in place with each ecosystem's own tool
# (Debian packages ruby, php-cli, php-composer-semver, python3-pip,
# python3-rpm, python3-apt, maven, nodejs; node-semver from npm). Reads only
# the files beside it. Files ordered by hand (nuget, apk, cran, hackage) and
# golang (in the order `go list -m -versions` gave) are left as they are.
#   NODE_PATH=/path/to/node_modules sh order.sh
set -eu
cd "$(dirname "$0")/.."
run() { # file command...
	f=$1; shift
	"$@" < "$f" > "$f.new" && mv "$f.new" "$f"
}
run gem.txt ruby order/order.rb
run composer.txt php order/order.php
run pypi.txt /usr/bin/python3 order/order.py pypi
run rpm.txt /usr/bin/python3 order/order.py rpm
run deb.txt /usr/bin/python3 order/order.py deb
run maven.txt java -cp /usr/share/maven/lib/maven-artifact-3.x.jar order/Order.java
for f in npm cargo swift hex; do run $f.txt node order/order.js compare; done
run pub.txt node order/order.js compareBuild
