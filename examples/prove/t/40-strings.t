use strict;
use warnings;
use Test::More tests => 1;

is(uc 'shop', 'SHOP', 'upper case');
