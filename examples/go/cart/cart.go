// Package cart keeps a shopping cart in a file, so that it survives a restart.
package cart

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Currency is what prices are shown in; a package-level setting every caller shares.
var Currency = "EUR"

// Cart is a list of items stored one per line in a file.
type Cart struct{ path string }

// Open returns the cart stored at path (empty when the file does not exist yet).
func Open(path string) *Cart { return &Cart{path: path} }

// Add appends an item to the cart's file.
func (c *Cart) Add(item string) error {
	if err := os.MkdirAll(filepath.Dir(c.path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(c.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.WriteString(item + "\n")
	return err
}

// Items lists what is in the cart.
func (c *Cart) Items() ([]string, error) {
	data, err := os.ReadFile(c.path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return strings.Fields(string(data)), nil
}

// Price shows an amount of cents in the current currency.
func Price(cents int) string {
	return fmt.Sprintf("%s %d.%02d", Currency, cents/100, cents%100)
}
