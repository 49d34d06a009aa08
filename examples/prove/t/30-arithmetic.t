use strict;
use warnings;
use Test::More tests => 2;

is(1 + 1, 2, 'addition');
is(6 * 7, 42, 'multiplication');
