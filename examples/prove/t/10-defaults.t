# The victim: expects the default mode, and passes in the usual order (it runs first).
use strict;
use warnings;
use Test::More tests => 1;
use Shop::State;

is(Shop::State::mode(), 'production', 'a fresh shop runs in production mode');
