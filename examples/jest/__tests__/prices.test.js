const prices = { tea: 300, cake: 450 };

test('tea costs three dollars', () => {
  expect(prices.tea).toBe(300);
});

test('cake costs more than tea', () => {
  expect(prices.cake).toBeGreaterThan(prices.tea);
});
