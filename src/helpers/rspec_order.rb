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
#
# With SMOKE_RSPEC_STREAM=PATH (smoke sets it for a fresh rspec), it also writes a line to PATH
# as each example starts and ends, {"start": ID} and {"test": ID, "outcome": ..., "duration": S,
# "output": TEXT}: rspec writes its JSON results only at its end, so these lines are what says
# which example was running when an example kills the process. smoke's fork server (see
# smoke_fork_rspec.rb) writes its children's results with the same lines.
#
# With SMOKE_STATE=PATH (smoke sets it for the rerun that explains a failure; in a fork server's
# child it comes with the request's variables), it also loads smoke_state_rspec.rb from beside
# this file and writes to PATH what each example left behind (constants, class variables,
# methods, ENV, ...): two snapshots just before the first example, one after each example and
# its hooks (see that file). Without the variable that file is not even loaded.
#
# When the suite uses rspec-retry, every example gets one attempt (see one_attempt), and the
# lines begin with {"note": TEXT} saying so, which smoke says once.

require 'json'

module SmokeExactOrder
  # An example id: a path and the example's scoped id (`spec/a_spec.rb[1:2:1]`).
  ID = /\A(.+)\[(\d+(?::\d+)*)\]\z/.freeze
  # Where a fresh rspec writes its lines; taken out of the environment, so that an rspec the
  # examples start themselves does not write there.
  STREAM = ENV.delete('SMOKE_RSPEC_STREAM')
  # Where the state lines go (see smoke_state_rspec.rb), taken out of the environment as this
  # file loads, so that no example (nor what it starts) sees it and no ENV diff shows it.
  STATE = ENV.delete('SMOKE_STATE')

  # What this helper changed in rspec for smoke, written first in each run's lines (smoke says
  # each once).
  NOTES = []

  # What rspec loads the first time an example fails, to print it: the differ, pp (and
  # io/console, which pp loads at its first use, for the terminal's width), and the source
  # reader (Ripper) that shows the failing line. The fork server loads them once before any
  # child, and smoke_state_rspec.rb before its first look; a fresh rspec would load the same
  # files at its first failure. Each is optional: an rspec without one goes on without it.
  FAILURE_LIBRARIES = %w[pp io/console ripper diff/lcs diff/lcs/hunk rspec/support/differ
                         rspec/support/hunk_generator rspec/support/source].freeze

  def self.preload_failure_reporting
    FAILURE_LIBRARIES.each do |library|
      require library
    rescue LoadError
      nil
    end
  end

  # rspec-retry runs a failing example again in the same process (its around hook), which
  # hides an order failure that the example's own cleanup undoes: one attempt each, whatever
  # its settings, metadata or RSPEC_RETRY_RETRY_COUNT say. smoke's --retries reruns a candidate
  # instead. Called once the spec files are loaded (they require rspec-retry).
  def self.one_attempt
    return unless defined?(RSpec::Retry) && !(RSpec::Retry < OneAttempt)

    RSpec::Retry.prepend(OneAttempt)
    NOTES << "rspec-retry's retries are turned off for smoke's runs: a retry in the same " \
             'process can hide an order failure (smoke --retries reruns a candidate instead)'
  end

  # See one_attempt.
  module OneAttempt
    def retry_count
      1
    end
  end

  # Writes a line per example to `path`, as the example starts and ends, naming it as asked
  # (`names`: by the example's key).
  class Lines
    def initialize(path, names)
      @out = File.open(path, 'w')
      @out.sync = true
      @names = names
      NOTES.each { |note| write(note: note) }
    end

    def name(example)
      @names.fetch(SmokeExactOrder.key(example.id), example.id)
    end

    def write(message)
      @out.write(JSON.generate(message) + "\n")
    end

    def example_started(notification)
      write(start: name(notification.example))
    end

    def finished(notification, outcome, output)
      example = notification.example
      write(test: name(example), outcome: outcome,
            duration: example.execution_result.run_time.to_f, output: output)
    end

    def example_passed(notification)
      finished(notification, 'passed', '')
    end

    def example_pending(notification)
      finished(notification, 'skipped', '')
    end

    def example_failed(notification)
      exception = notification.example.execution_result.exception
      text = notification.fully_formatted(1, ::RSpec::Core::Notifications::NullColorizer)
      finished(notification, 'failed', "#{exception.class}\n#{text}")
    end

    # Each line as the example starts and ends, for every example of `reporter`'s run.
    def listen(reporter)
      reporter.register_listener(self, :example_started, :example_passed, :example_pending,
                                 :example_failed)
    end
  end

  class << self
    # The examples asked for, by id as asked, when the caller found them already (smoke's fork
    # server, before it forks: indexing every example again took a child 13 ms for 2,000).
    attr_accessor :found
  end

  # The names as asked, by key.
  def self.names(asked)
    asked.to_h { |id| [key(id), id] }
  end

  # Each path's absolute form as it was first asked for (every id is keyed before the first
  # example runs): an example that changes the current folder must not change which example an
  # id names.
  PATHS = {}

  def self.key(id)
    m = ID.match(id)
    m && "#{PATHS[m[1]] ||= File.expand_path(m[1])}[#{m[2]}]"
  end

  # What writes the state lines, when SMOKE_STATE asks for them: set as this file loaded, or
  # (in a fork server's child) by the request's variables, taken out here before any example.
  def self.tracker
    path = STATE || ENV.delete('SMOKE_STATE')
    return nil unless path

    require_relative 'smoke_state_rspec'
    SmokeState::Tracker.new(path)
  rescue StandardError, LoadError => e
    warn "smoke: cannot write the state lines to #{path.inspect} (#{e.class}: #{e.message})"
    nil
  end

  # The example ids on the command line, in order.
  def self.asked
    ARGV.select { |arg| ID.match?(arg) && !arg.start_with?('-') }
  end

  def run_specs(example_groups)
    asked = SmokeExactOrder.asked
    return super if asked.empty?

    twice = asked.tally.find { |_, n| n > 1 }&.first
    if twice
      warn "smoke: #{twice.inspect} is named twice; rspec runs an example once per run"
      return @configuration.failure_exit_code
    end

    world = RSpec.world
    found = SmokeExactOrder.found
    unless found
      index = {}
      world.all_examples.each { |e| index[SmokeExactOrder.key(e.id)] ||= e }
      missing = asked.reject { |id| index.key?(SmokeExactOrder.key(id)) }
      unless missing.empty?
        warn "smoke: rspec found no example with the id #{missing.first.inspect} " \
             '(is the file in the suite, and is the id still current?)'
        return @configuration.failure_exit_code
      end
      found = asked.to_h { |id| [id, index.fetch(SmokeExactOrder.key(id))] }
    end
    # No ordering may shuffle what runs: one example at a time, in the order asked.
    @configuration.register_ordering(:global) { |items| items }
    SmokeExactOrder.one_attempt
    Lines.new(STREAM, SmokeExactOrder.names(asked)).listen(@configuration.reporter) if STREAM
    state = SmokeExactOrder.tracker

    passed = @configuration.reporter.report(asked.size) do |reporter|
      @configuration.with_suite_hooks do
        # The baseline: the suite is loaded, its before(:suite) hooks have run.
        state&.begin
        asked.map do |id|
          example = found.fetch(id)
          only = Hash.new { |hash, group| hash[group] = [] }
          only[example.example_group] = [example]
          world.instance_variable_set(:@filtered_examples, only)
          # What each group memoized of the filtered examples is stale now; only the groups
          # under the top group that runs consult it (another top's are reset before it runs),
          # so a run costs the size of its spec files' trees, not every group for every example.
          top = example.example_group.parent_groups.last
          top.descendants.each(&:reset_memoized)
          ran = top.run(reporter)
          # After the example's after(:context) hooks too; none for an example that did not run
          # (rspec stopped at a failure).
          state&.after(id) if example.execution_result.status
          ran
        end.all?
      end
    end
    exit_code(passed)
  end
end

RSpec::Core::Runner.prepend(SmokeExactOrder)
