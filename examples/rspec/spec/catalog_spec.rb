require_relative '../lib/shop'

RSpec.describe 'the catalog' do
  it 'lists tea' do
    expect(%w[tea cake]).to include('tea')
  end

  it 'lists cake' do
    expect(%w[tea cake]).to include('cake')
  end
end
