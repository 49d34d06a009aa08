package cart

import (
	"path/filepath"
	"testing"
)

// The shop's state folder, at the module's root (go test runs each package in its folder).
var shared = filepath.Join("..", "state", "cart.txt")

func TestNewCartIsEmpty(t *testing.T) {
	items, err := Open(shared).Items()
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 0 {
		t.Fatalf("a new cart holds %v, want nothing", items)
	}
}

// A package-level variable leaks only inside one process: each test runs in a process of its
// own under smoke, so smoke cannot see this one (go test -shuffle=on can).
func TestPriceInDefaultCurrency(t *testing.T) {
	if got := Price(250); got != "EUR 2.50" {
		t.Fatalf("Price(250) = %q, want EUR 2.50", got)
	}
}

func TestAddKeepsItems(t *testing.T) {
	c := Open(shared)
	if err := c.Add("apple"); err != nil {
		t.Fatal(err)
	}
	items, err := c.Items()
	if err != nil {
		t.Fatal(err)
	}
	if len(items) == 0 || items[len(items)-1] != "apple" {
		t.Fatalf("items %v, want apple last", items)
	}
}

func TestPriceInDollars(t *testing.T) {
	Currency = "USD"
	if got := Price(199); got != "USD 1.99" {
		t.Fatalf("Price(199) = %q", got)
	}
}

func TestItemsOfAMissingFile(t *testing.T) {
	items, err := Open(filepath.Join(t.TempDir(), "none.txt")).Items()
	if err != nil || items != nil {
		t.Fatalf("got %v, %v", items, err)
	}
}
