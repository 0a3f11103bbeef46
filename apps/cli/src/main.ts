/**
 * `clouddrive`: the command line of CloudDrive, over the generated SDK. Each command's action answers its exit
 * code (docs/CLI.md lists them); a failure prints the problem's detail and code on stderr.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { Context, type GlobalOptions } from './context';
import { processIo, type Io } from './io';
import { EXIT, usageError } from './errors';
import { download } from './commands/download';
import { login, logout, quota, whoami } from './commands/account';
import { ls, mkdir, mv, rename, rm } from './commands/drive';
import { confirmPreview, confirmProfilePhoto, confirmUpload, health } from './commands/ops';
import { preview } from './commands/preview';
import { share, shared, shares, unshare } from './commands/sharing';
import { trashEmpty, trashLs, trashRestore, trashRm } from './commands/trash';
import { upload } from './commands/upload';
import { watch } from './commands/watch';

const VERSION = '0.1.0';

function positiveInt(max: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || parsed < 1 || parsed > max) {
      throw new InvalidArgumentError(`a whole number from 1 to ${max}`);
    }
    return parsed;
  };
}

const conflictOption = (what: string) =>
  new Option('--conflict <policy>', `when ${what} is there with another size: fail, skip, keep (both), replace`)
    .choices(['fail', 'skip', 'keep', 'replace'])
    .default('fail');
const concurrencyOption = () =>
  new Option('-c, --concurrency <n>', 'files in flight at once').argParser(positiveInt(64)).default(4);

/**
 * The commands, for one run: each action's exit code (or its error's, printed) goes to `exit`. Commander's own
 * messages (help, usage errors) are written to the run's streams.
 */
export function program(io: Io, exit: (code: number) => void): Command {
  /** Runs an action with the context of the global options. */
  function run<A extends unknown[]>(action: (ctx: Context, ...args: A) => Promise<number>) {
    return async (...args: unknown[]): Promise<void> => {
      const command = args[args.length - 1] as Command;
      const options = command.optsWithGlobals<GlobalOptions>();
      const ctx = new Context(options, io);
      try {
        exit(await action(ctx, ...(args.slice(0, -1) as A)));
      } catch (error) {
        exit(ctx.output.error(error));
      }
    };
  }

  /** An action of `<what...> <where>`: like cp, the last argument is where the others go. */
  function transfer<O>(
    command: string,
    work: (ctx: Context, sources: string[], destination: string, options: O) => Promise<number>,
  ) {
    return run((ctx, paths: string[], options: O) => {
      if (paths.length < 2) throw usageError(`${command} needs what to ${command}, then where to.`);
      return work(ctx, paths.slice(0, -1), paths[paths.length - 1], options);
    });
  }

  const output = {
    writeOut: (text: string) => io.stdout.write(text),
    writeErr: (text: string) => io.stderr.write(text),
    outputError: (text: string, write: (text: string) => void) => write(text),
  };
  const cli = new Command('clouddrive')
    .description('CloudDrive from the command line: files and folders, transfers, sharing, the trash, operations.')
    .version(VERSION)
    .option('--url <url>', 'the API (default: CLOUDDRIVE_URL, else the URL of the saved session)')
    .option('--json', 'print JSON: one document, or JSON lines for transfers and ls -R')
    .option('-q, --quiet', 'print only errors and summaries')
    .showHelpAfterError('(clouddrive --help, or clouddrive <command> --help, for usage)')
    .exitOverride()
    .configureOutput(output);

  cli
    .command('login')
    .description('sign in and save the token (0600) under $XDG_CONFIG_HOME/clouddrive')
    .option('-u, --username <name>', 'username or e-mail (asked when missing)')
    .option('--password-stdin', 'read the password from stdin (for scripts)')
    .action(run((ctx, options: { username?: string; passwordStdin?: boolean }) => login(ctx, options)));
  cli
    .command('logout')
    .description('end the session and forget the saved token')
    .option('--everywhere', "end every session of the account, other machines' too")
    .action(run((ctx, options: { everywhere?: boolean }) => logout(ctx, options)));
  cli
    .command('whoami')
    .description('who the token belongs to, and until when')
    .action(run((ctx) => whoami(ctx)));
  cli
    .command('quota')
    .description('storage used and available')
    .action(run((ctx) => quota(ctx)));

  cli
    .command('ls')
    .description('list a folder (default: the root), or a whole tree with -R')
    .argument('[path]', 'a remote path, /a/b, or an id to start from', '/')
    .option('-R, --recursive', 'the whole tree below, one line (JSON line) per item')
    .action(run((ctx, path: string, options: { recursive?: boolean }) => ls(ctx, path, options)));
  cli
    .command('mkdir')
    .description('create folders')
    .argument('<path...>')
    .option('-p, --parents', 'create missing parents; a folder already there is no error')
    .action(run((ctx, paths: string[], options: { parents?: boolean }) => mkdir(ctx, paths, options)));
  cli
    .command('upload')
    .description('upload files and directories into a remote folder (created if missing), the structure recreated')
    .argument('<local...>', 'files and directories, then the remote folder (/ for the root)')
    .addOption(conflictOption('a file of that name'))
    .addOption(concurrencyOption())
    .option('--no-wait', 'end once the bytes are stored, without waiting for the workers to confirm them')
    .addOption(
      new Option('--wait-timeout <seconds>', 'how long to wait for confirmations')
        .argParser(positiveInt(86_400))
        .default(120),
    )
    .action(transfer('upload', upload));
  cli
    .command('download')
    .description('download files and folders (recursively) into a local directory')
    .argument('<remote...>', 'remote paths, then the local directory')
    .addOption(conflictOption('a local file of that name'))
    .addOption(concurrencyOption())
    .action(transfer('download', download));
  cli
    .command('mv')
    .description('move files and folders into a folder')
    .argument('<path...>', 'what to move, then the folder (/ for the root)')
    .action(transfer('mv', mv));
  cli
    .command('rename')
    .description('rename a file or a folder')
    .argument('<path>')
    .argument('<new-name>')
    .action(run((ctx, path: string, name: string) => rename(ctx, path, name)));
  cli
    .command('rm')
    .description('move files (and folders, with -r) to the trash')
    .argument('<path...>')
    .option('-r, --recursive', 'folders too, with all in them')
    .action(run((ctx, paths: string[], options: { recursive?: boolean }) => rm(ctx, paths, options)));

  const trash = cli.command('trash').description('the trash: ls, restore, rm, empty');
  trash
    .command('ls')
    .description('what is in the trash')
    .action(run((ctx) => trashLs(ctx)));
  trash
    .command('restore')
    .description('put entries back where they were')
    .argument('<entry...>', 'ids, or names')
    .action(run((ctx, refs: string[]) => trashRestore(ctx, refs)));
  trash
    .command('rm')
    .description('delete entries for good')
    .argument('<entry...>', 'ids, or names')
    .action(run((ctx, refs: string[]) => trashRm(ctx, refs)));
  trash
    .command('empty')
    .description('delete everything in the trash for good')
    .option('--yes', 'yes, for good')
    .action(run((ctx, options: { yes?: boolean }) => trashEmpty(ctx, options)));

  cli
    .command('share')
    .description('share a file or a folder with a user')
    .argument('<path>')
    .argument('<user>', 'username or e-mail')
    .addOption(new Option('-p, --permission <permission>', 'view, or edit').choices(['view', 'edit']).default('view'))
    .action(
      run((ctx, path: string, user: string, options: { permission: 'view' | 'edit' }) =>
        share(ctx, path, user, options),
      ),
    );
  cli
    .command('unshare')
    .description("end a user's access (the owner), or leave a share (a recipient, naming no user)")
    .argument('<path>')
    .argument('[user]')
    .option('--all', "end every user's access")
    .action(
      run((ctx, path: string, user: string | undefined, options: { all?: boolean }) =>
        unshare(ctx, path, user, options),
      ),
    );
  cli
    .command('shares')
    .description('the grants on one of your files or folders')
    .argument('<path>')
    .action(run((ctx, path: string) => shares(ctx, path)));
  cli
    .command('shared')
    .description('what others share with you')
    .action(run((ctx) => shared(ctx)));
  cli
    .command('preview')
    .description("save an image's preview (JPEG, or WebP with transparency)")
    .argument('<path>')
    .option('-o, --output <file>', 'where to save it (default: <name>.preview.jpg|webp here)')
    .addOption(
      new Option('--timeout <seconds>', 'how long to wait while it is made').argParser(positiveInt(3600)).default(30),
    )
    .action(run((ctx, path: string, options: { output?: string; timeout: number }) => preview(ctx, path, options)));

  cli
    .command('watch')
    .description('print your changes as they happen (uploads confirmed, previews, moves, shares…), until Ctrl-C')
    .option('--since <cursor>', 'start after this cursor (a change’s, or GET /changes’) instead of from now')
    .option('-n, --count <n>', 'stop after this many changes', positiveInt(1_000_000))
    .action(run((ctx, options: { since?: string; count?: number }) => watch(ctx, options)));

  const ops = cli.command('ops').description("operators' commands: health, and the workers' callbacks (LAMBDA_SECRET)");
  ops
    .command('health')
    .description('liveness and readiness (exit 9 when not ready)')
    .action(run((ctx) => health(ctx)));
  ops
    .command('confirm-upload')
    .description("confirm an upload's bytes, as the worker does (POST /confirm-file-upload)")
    .argument('<file-id>')
    .requiredOption('--size <bytes>', 'the size seen; the API checks the real one in storage')
    .requiredOption('--content-type <type>', 'the sniffed type, e.g. image/png')
    .option('--object-key <key>', 'the object the event was about (default: the pending upload)')
    .action(
      run((ctx, id: string, options: { size: string; contentType: string; objectKey?: string }) =>
        confirmUpload(ctx, id, options),
      ),
    );
  ops
    .command('confirm-preview')
    .description("record a preview's outcome (POST /confirm-file-preview)")
    .argument('<file-id>')
    .requiredOption('--status <status>', 'ready, failed or unsupported')
    .option('--width <px>')
    .option('--height <px>')
    .option('--object-key <key>', 'the object the preview was made from')
    .action(
      run((ctx, id: string, options: { status: string; width?: string; height?: string; objectKey?: string }) =>
        confirmPreview(ctx, id, options),
      ),
    );
  ops
    .command('confirm-profile-photo')
    .description("record a profile photo's verdict (POST /confirm-profile-picture)")
    .argument('<user-id>')
    .requiredOption('--status <status>', 'ready or rejected')
    .option('--extension <ext>', 'jpg or webp; with ready')
    .action(
      run((ctx, id: string, options: { status: string; extension?: string }) => confirmProfilePhoto(ctx, id, options)),
    );

  // Subcommands share the parent's output settings and exit handling.
  for (const command of [cli, ...cli.commands, ...trash.commands, ...ops.commands]) {
    command
      .exitOverride()
      .configureOutput(output)
      .showHelpAfterError(
        `(clouddrive ${command.name() === 'clouddrive' ? '' : command.name() + ' '}--help for usage)`,
      );
  }
  return cli;
}

/** Runs the command line `argv` (as process.argv: node, script, arguments…); answers the exit code. */
export async function main(argv: string[] = process.argv, io: Io = processIo()): Promise<number> {
  let code: number = EXIT.ok;
  try {
    await program(io, (answered) => (code = answered)).parseAsync(argv);
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // Asked-for help and the version are no errors; any other complaint of the parser (help shown because a
    // command is missing included) is a usage error.
    code = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  return code;
}

if (require.main === module) void main().then((code) => (process.exitCode = code));
