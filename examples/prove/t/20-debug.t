# The polluter: switches to debug mode for its check and leaves the file behind.
use strict;
use warnings;
use Test::More tests => 1;
use Shop::State;

Shop::State::set_mode('debug');
is(Shop::State::mode(), 'debug', 'debug mode can be switched on');
