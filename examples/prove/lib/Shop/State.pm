package Shop::State;
# A tiny settings store in a file, shared by every test that runs after a setup.
use strict;
use warnings;

my $FILE = 'state/mode';

sub mode {
    open(my $fh, '<', $FILE) or return 'production';
    my $mode = <$fh>;
    chomp $mode;
    return $mode;
}

sub set_mode {
    my ($mode) = @_;
    open(my $fh, '>', $FILE) or die "cannot write $FILE: $!";
    print $fh "$mode\n";
    close $fh;
}

1;
