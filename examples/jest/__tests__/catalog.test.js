test('the catalog lists tea and cake', () => {
  expect(['tea', 'cake']).toEqual(expect.arrayContaining(['cake', 'tea']));
});
