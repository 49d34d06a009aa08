# smoke's helper for rspec's batch mode, loaded with `rspec -r THIS_FILE ... ID...`.
#
# RSpec runs a group's examples together, and before its nested groups, whatever ordering is
# registered: `register_ordering(:global)` can sort groups and sort examples inside a group,
# but it cannot run `a_spec.rb[1:1] b_spec.rb[1:1] a_spec.rb[1:2]` in that order. smoke asks
# for such orders, so this file replaces how the examples are run: every example id given on
# the command line runs in the order given, each one through its own group chain (so its
# `before`/`after` hooks, `let`s and `before(:context)` hooks run around it), all in this one
# process. Class-level state, globals, constants and ENV carry from one example to the next,
# as in a normal run. `before(:context)`/`after(:context)` hooks run around each example
# instead of once per group. smoke writes this file into a private temp folder; it is kept in
# smoke's repository as src/helpers/rspec_order.rb.

module SmokeExactOrder
  # An example id: a path and the example's scoped id (`spec/a_spec.rb[1:2:1]`).
  ID = /\A(.+)\[(\d+(?::\d+)*)\]\z/.freeze

  def self.key(id)
    m = ID.match(id)
    m && "#{File.expand_path(m[1])}[#{m[2]}]"
  end

  # The example ids on the command line, in order.
  def self.asked
    ARGV.select { |arg| ID.match?(arg) && !arg.start_with?('-') }
  end

  def run_specs(example_groups)
    asked = SmokeExactOrder.asked
    return super if asked.empty?

    twice = asked.find { |id| asked.count(id) > 1 }
    if twice
      warn "smoke: #{twice.inspect} is named twice; rspec runs an example once per run"
      return @configuration.failure_exit_code
    end

    world = RSpec.world
    index = {}
    world.all_examples.each { |e| index[SmokeExactOrder.key(e.id)] ||= e }
    missing = asked.reject { |id| index.key?(SmokeExactOrder.key(id)) }
    unless missing.empty?
      warn "smoke: rspec found no example with the id #{missing.first.inspect} " \
           '(is the file in the suite, and is the id still current?)'
      return @configuration.failure_exit_code
    end
    all_groups = world.all_example_groups
    # No ordering may shuffle what runs: one example at a time, in the order asked.
    @configuration.register_ordering(:global) { |items| items }

    passed = @configuration.reporter.report(asked.size) do |reporter|
      @configuration.with_suite_hooks do
        asked.map do |id|
          example = index.fetch(SmokeExactOrder.key(id))
          only = Hash.new { |hash, group| hash[group] = [] }
          only[example.example_group] = [example]
          world.instance_variable_set(:@filtered_examples, only)
          all_groups.each(&:reset_memoized)
          top = example.example_group.parent_groups.last
          top.run(reporter)
        end.all?
      end
    end
    exit_code(passed)
  end
end

RSpec::Core::Runner.prepend(SmokeExactOrder)
