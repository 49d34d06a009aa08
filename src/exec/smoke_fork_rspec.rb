# smoke's fork server for rspec (written by smoke into a private folder, loaded with -r after
# smoke's rspec_order.rb helper, which also writes the child's lines).
#
# smoke starts rspec once with this file and --dry-run. Once the spec files are loaded, instead
# of running examples, the process waits for requests on smoke's pipe; for each one it forks,
# and the child runs exactly the asked example ids in the asked order through rspec_order.rb,
# then finishes like any rspec run (after(:suite) hooks, exit status). The parent never runs an
# example, so every child starts from the state right after loading, as a fresh rspec would.
#
# Protocol, one JSON object per line, as for pytest (see smoke_fork_pytest.py): smoke -> server
# {"tests": [...], "results": PATH, "env": {...}, "dir": PATH or null, "stop_at_failure": bool};
# server -> smoke {"ready": N} or {"unavailable": WHY} once, then per request {"missing": [...]}
# or {"pid": P} and {"exit": CODE} (negative: killed by that signal). The child writes to PATH
# {"start": ID} before each example and {"test": ID, "outcome": ..., "duration": S, "output":
# TEXT} after it.

require 'json'

module SmokeForkServer
  SERVING = ENV['SMOKE_FORK_SERVER'] == '1'

  if SERVING
    # Required with -r, before any formatter writes: keep smoke's pipes for the protocol, and
    # send everything rspec prints to stderr (smoke's log of the server).
    REQUESTS = STDIN.dup
    REPLIES = STDOUT.dup
    REPLIES.sync = true
    STDOUT.reopen(STDERR)
    STDIN.reopen(File::NULL)
  end

  def self.reply(message)
    REPLIES.write(JSON.generate(message) + "\n")
  end

  # What rspec loads the first time an example fails, to print it: the differ, pp (and
  # io/console, which pp loads at its first use, for the terminal's width), and the source
  # reader (Ripper) that shows the failing line. Loaded once here, every child that sees a
  # failure saves loading it again (about 10 ms a child); a fresh rspec would load the same
  # files at its first failure, and no example has run yet. Each is optional: an rspec without
  # one goes on without it. smoke_state_rspec.rb loads the same list before its baseline.
  FAILURE_LIBRARIES = %w[pp io/console ripper diff/lcs diff/lcs/hunk rspec/support/differ
                         rspec/support/hunk_generator rspec/support/source].freeze

  def self.preload_failure_reporting
    FAILURE_LIBRARIES.each do |library|
      require library
    rescue LoadError
      nil
    end
  end

  def run_specs(example_groups)
    return super unless SERVING

    world = RSpec.world
    if world.respond_to?(:rspec_is_quitting) && world.rspec_is_quitting
      SmokeForkServer.reply(unavailable: 'rspec could not load the spec files')
      exit!(0)
    end
    unless Process.respond_to?(:fork)
      SmokeForkServer.reply(unavailable: 'this Ruby cannot fork')
      exit!(0)
    end
    others = Thread.list.reject { |t| t == Thread.current }
    unless others.empty?
      SmokeForkServer.reply(unavailable: "threads are running after loading (#{others.size}); " \
                                         'forking would copy them stopped')
      exit!(0)
    end
    SmokeForkServer.preload_failure_reporting
    SmokeExactOrder.one_attempt
    index = {}
    world.all_examples.each { |e| index[SmokeExactOrder.key(e.id)] ||= e }
    SmokeForkServer.reply(ready: index.size)
    request = nil
    loop do
      line = REQUESTS.gets
      exit!(0) if line.nil?
      request = JSON.parse(line)
      missing = request['tests'].reject { |id| index.key?(SmokeExactOrder.key(id)) }
      unless missing.empty?
        SmokeForkServer.reply(missing: missing)
        next
      end
      pid = Process.fork
      break if pid.nil?

      SmokeForkServer.reply(pid: pid)
      Process.wait(pid)
      status = $?
      SmokeForkServer.reply(exit: status.exited? ? status.exitstatus : -status.termsig.to_i)
    end

    # The child: its own process group (smoke kills it whole on a timeout), the sequence's
    # variables and folder, then the asked ids through rspec_order.rb.
    Process.setpgid(0, 0)
    REQUESTS.close
    REPLIES.close
    (request['env'] || {}).each { |k, v| ENV[k] = v }
    Dir.chdir(request['dir']) if request['dir']
    asked = request['tests']
    ARGV.replace(asked)
    @configuration.force(dry_run: false)
    @configuration.fail_fast = 1 if request['stop_at_failure']
    SmokeExactOrder::Lines.new(request['results'], SmokeExactOrder.names(asked))
                      .listen(@configuration.reporter)
    super
  end
end

RSpec::Core::Runner.prepend(SmokeForkServer)
