# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_envseal_global_optspecs
    string join \n q/quiet v/verbose ledger= h/help V/version
end

function __fish_envseal_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_envseal_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_envseal_using_subcommand
    set -l cmd (__fish_envseal_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c envseal -n "__fish_envseal_needs_command" -l ledger -d 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]' -r -F
complete -c envseal -n "__fish_envseal_needs_command" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c envseal -n "__fish_envseal_needs_command" -s v -l verbose -d 'Say more about what is done (never secrets)'
complete -c envseal -n "__fish_envseal_needs_command" -s h -l help -d 'Print help'
complete -c envseal -n "__fish_envseal_needs_command" -s V -l version -d 'Print version'
complete -c envseal -n "__fish_envseal_needs_command" -f -a "generate-key" -d 'Generate a new master key (32 random bytes from the OS)'
complete -c envseal -n "__fish_envseal_needs_command" -f -a "encrypt" -d 'Encrypt a .env file into a committable .env.encrypted'
complete -c envseal -n "__fish_envseal_needs_command" -f -a "decrypt" -d 'Decrypt an encrypted file (v1 or Fernet, told apart by content)'
complete -c envseal -n "__fish_envseal_needs_command" -f -a "rotate" -d 'Rotate the master key: re-encrypt every file under the current key with a new one'
complete -c envseal -n "__fish_envseal_needs_command" -f -a "status" -d 'Show the project\'s encrypted files, key ages, due rotations and problems'
complete -c envseal -n "__fish_envseal_needs_command" -f -a "mask" -d 'Mask secrets: a masked view of a .env file, a streaming filter, or a leak check'
complete -c envseal -n "__fish_envseal_needs_command" -f -a "hook" -d 'Install, remove or run the git hooks (pre-commit and pre-merge-commit)'
complete -c envseal -n "__fish_envseal_needs_command" -f -a "run" -d 'Run a command with the decrypted variables in its environment; nothing is written to disk'
complete -c envseal -n "__fish_envseal_needs_command" -f -a "edit" -d 'Edit an encrypted file in $VISUAL / $EDITOR and re-encrypt it on save'
complete -c envseal -n "__fish_envseal_needs_command" -f -a "completions" -d 'Print a shell completion script (also committed under completions/)'
complete -c envseal -n "__fish_envseal_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c envseal -n "__fish_envseal_using_subcommand generate-key" -l out -d 'Write the key to this file (mode 0600) instead of the keyring' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand generate-key" -l ledger -d 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand generate-key" -l stdout -d 'Print the key itself on stdout (for a secret store); nothing is saved'
complete -c envseal -n "__fish_envseal_using_subcommand generate-key" -l force -d 'Replace an existing --out file'
complete -c envseal -n "__fish_envseal_using_subcommand generate-key" -l json -d 'Print {"key_id": ..., "path": ...} on stdout'
complete -c envseal -n "__fish_envseal_using_subcommand generate-key" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c envseal -n "__fish_envseal_using_subcommand generate-key" -s v -l verbose -d 'Say more about what is done (never secrets)'
complete -c envseal -n "__fish_envseal_using_subcommand generate-key" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c envseal -n "__fish_envseal_using_subcommand encrypt" -l env-path -d 'Same as FILE (legacy name)' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand encrypt" -s o -l output -d 'Where to write [default: FILE.encrypted]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand encrypt" -l format -d 'Output format' -r -f -a "v1\t'Per value, AES-256-GCM, diff-friendly (default)'
fernet\t'Whole file as one Fernet token (AES-128-CBC + HMAC-SHA256), Python-compatible'"
complete -c envseal -n "__fish_envseal_using_subcommand encrypt" -l key-file -d 'Read the master key from this file' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand encrypt" -l key-id -d 'Use this key from the keyring (sha256:...)' -r
complete -c envseal -n "__fish_envseal_using_subcommand encrypt" -l ledger -d 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand encrypt" -l stdout -d 'Write the encrypted file to stdout'
complete -c envseal -n "__fish_envseal_using_subcommand encrypt" -l encrypt-comments -d 'Encrypt every comment too (by default only comments that read like assignments, such as #OLD_PASSWORD=..., are encrypted)'
complete -c envseal -n "__fish_envseal_using_subcommand encrypt" -s f -l force -l yes -d 'Overwrite an output that is not this file under this key (other key, other format, not encrypted) without asking'
complete -c envseal -n "__fish_envseal_using_subcommand encrypt" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c envseal -n "__fish_envseal_using_subcommand encrypt" -s v -l verbose -d 'Say more about what is done (never secrets)'
complete -c envseal -n "__fish_envseal_using_subcommand encrypt" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c envseal -n "__fish_envseal_using_subcommand decrypt" -l encrypted-path -d 'Same as FILE (legacy name)' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand decrypt" -s o -l output -d 'Where to write [default: FILE without .encrypted]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand decrypt" -l key-file -d 'Read the master key from this file' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand decrypt" -l key-id -d 'Use this key from the keyring (sha256:...)' -r
complete -c envseal -n "__fish_envseal_using_subcommand decrypt" -l ledger -d 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand decrypt" -l stdout -d 'Write the plaintext to stdout instead of a file'
complete -c envseal -n "__fish_envseal_using_subcommand decrypt" -l textconv -d 'For git\'s textconv, showing PLAINTEXT values (opt-in; `envseal mask --textconv` shows masked ones): FILE to stdout, never a prompt, every key at hand tried by key id, and a file no key at hand opens shown as it is (exit 0). Beware: `git commit -v` then writes decrypted values into .git/COMMIT_EDITMSG'
complete -c envseal -n "__fish_envseal_using_subcommand decrypt" -s f -l force -l yes -d 'Replace an existing, different output without asking'
complete -c envseal -n "__fish_envseal_using_subcommand decrypt" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c envseal -n "__fish_envseal_using_subcommand decrypt" -s v -l verbose -d 'Say more about what is done (never secrets)'
complete -c envseal -n "__fish_envseal_using_subcommand decrypt" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c envseal -n "__fish_envseal_using_subcommand rotate" -l reason -d 'Why (recorded in the ledger)' -r
complete -c envseal -n "__fish_envseal_using_subcommand rotate" -l new-key-file -d 'Save the new key to this file (mode 0600) instead of the keyring' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand rotate" -l key-file -d 'Read the master key from this file' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand rotate" -l key-id -d 'Use this key from the keyring (sha256:...)' -r
complete -c envseal -n "__fish_envseal_using_subcommand rotate" -l ledger -d 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand rotate" -l no-backup -d 'Do not keep FILE.backup_<time> copies of the old encrypted files'
complete -c envseal -n "__fish_envseal_using_subcommand rotate" -s f -l force -l yes -d 'Do not ask for confirmation (needed without a terminal)'
complete -c envseal -n "__fish_envseal_using_subcommand rotate" -l resume -d 'Finish the unfinished rotation the ledger shows'
complete -c envseal -n "__fish_envseal_using_subcommand rotate" -l abort -d 'Undo the unfinished rotation: every file back under the old key (from the backups where they match)'
complete -c envseal -n "__fish_envseal_using_subcommand rotate" -l json -d 'Print the outcome as JSON on stdout'
complete -c envseal -n "__fish_envseal_using_subcommand rotate" -l recurse-submodules -d 'Also rotate the encrypted files of git submodules (other repositories; by default the project stops at a submodule\'s boundary)'
complete -c envseal -n "__fish_envseal_using_subcommand rotate" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c envseal -n "__fish_envseal_using_subcommand rotate" -s v -l verbose -d 'Say more about what is done (never secrets)'
complete -c envseal -n "__fish_envseal_using_subcommand rotate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c envseal -n "__fish_envseal_using_subcommand status" -l limit -d 'How many history rows' -r
complete -c envseal -n "__fish_envseal_using_subcommand status" -l key-file -d 'Read the master key from this file' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand status" -l key-id -d 'Use this key from the keyring (sha256:...)' -r
complete -c envseal -n "__fish_envseal_using_subcommand status" -l ledger -d 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand status" -l check -d 'Exit 1 when a file is stale, corrupt or edited by hand, a key is overdue, a plaintext env file is tracked by git or not ignored by it, or a rotation is unfinished; print one line per problem'
complete -c envseal -n "__fish_envseal_using_subcommand status" -l history -d 'Show the rotation history from the ledger, newest first'
complete -c envseal -n "__fish_envseal_using_subcommand status" -l json -d 'Machine-readable output (schema in the README)'
complete -c envseal -n "__fish_envseal_using_subcommand status" -l recurse-submodules -d 'Also look into git submodules (by default the project stops at a submodule\'s boundary: its files belong to another repository)'
complete -c envseal -n "__fish_envseal_using_subcommand status" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c envseal -n "__fish_envseal_using_subcommand status" -s v -l verbose -d 'Say more about what is done (never secrets)'
complete -c envseal -n "__fish_envseal_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c envseal -n "__fish_envseal_using_subcommand mask" -l secrets -d 'Where the secret values come from (.env or .env.encrypted; repeatable). With --check it defaults to the project\'s env files' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand mask" -l min-len -d 'Values shorter than this many bytes are not treated as secrets (true, 1, ...)' -r
complete -c envseal -n "__fish_envseal_using_subcommand mask" -l key-file -d 'Read the master key from this file' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand mask" -l key-id -d 'Use this key from the keyring (sha256:...)' -r
complete -c envseal -n "__fish_envseal_using_subcommand mask" -l ledger -d 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand mask" -l all -d 'Mask every value, not only the sensitive ones (view)'
complete -c envseal -n "__fish_envseal_using_subcommand mask" -l check -d 'Search for secret values instead of printing; exit 1 on a hit'
complete -c envseal -n "__fish_envseal_using_subcommand mask" -l staged -d 'With --check: search the content staged in git (for a pre-commit hook)'
complete -c envseal -n "__fish_envseal_using_subcommand mask" -l named -d 'Replace with [MASKED:KEY_NAME] instead of ***'
complete -c envseal -n "__fish_envseal_using_subcommand mask" -l textconv -d 'For git\'s textconv (diff.envseal.textconv "envseal mask --textconv"): the masked view of FILE, never a prompt; every key at hand is tried by key id, and a file no key at hand opens is shown as it is (exit 0), so `git log -p` never breaks'
complete -c envseal -n "__fish_envseal_using_subcommand mask" -l line-buffered -d 'Flush each line as soon as it is complete (automatic when stdout is a terminal)'
complete -c envseal -n "__fish_envseal_using_subcommand mask" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c envseal -n "__fish_envseal_using_subcommand mask" -s v -l verbose -d 'Say more about what is done (never secrets)'
complete -c envseal -n "__fish_envseal_using_subcommand mask" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c envseal -n "__fish_envseal_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall run help" -l ledger -d 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall run help" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c envseal -n "__fish_envseal_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall run help" -s v -l verbose -d 'Say more about what is done (never secrets)'
complete -c envseal -n "__fish_envseal_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall run help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c envseal -n "__fish_envseal_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall run help" -f -a "install" -d 'Add the envseal block to the repository\'s pre-commit and pre-merge-commit hooks'
complete -c envseal -n "__fish_envseal_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall run help" -f -a "uninstall" -d 'Remove the envseal block (and a hook file if nothing else is in it)'
complete -c envseal -n "__fish_envseal_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall run help" -f -a "run" -d 'Check the staged content (what the hook runs)'
complete -c envseal -n "__fish_envseal_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall run help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c envseal -n "__fish_envseal_using_subcommand hook; and __fish_seen_subcommand_from install" -l ledger -d 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand hook; and __fish_seen_subcommand_from install" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c envseal -n "__fish_envseal_using_subcommand hook; and __fish_seen_subcommand_from install" -s v -l verbose -d 'Say more about what is done (never secrets)'
complete -c envseal -n "__fish_envseal_using_subcommand hook; and __fish_seen_subcommand_from install" -s h -l help -d 'Print help'
complete -c envseal -n "__fish_envseal_using_subcommand hook; and __fish_seen_subcommand_from uninstall" -l ledger -d 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand hook; and __fish_seen_subcommand_from uninstall" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c envseal -n "__fish_envseal_using_subcommand hook; and __fish_seen_subcommand_from uninstall" -s v -l verbose -d 'Say more about what is done (never secrets)'
complete -c envseal -n "__fish_envseal_using_subcommand hook; and __fish_seen_subcommand_from uninstall" -s h -l help -d 'Print help'
complete -c envseal -n "__fish_envseal_using_subcommand hook; and __fish_seen_subcommand_from run" -l key-file -d 'Read the master key from this file' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand hook; and __fish_seen_subcommand_from run" -l key-id -d 'Use this key from the keyring (sha256:...)' -r
complete -c envseal -n "__fish_envseal_using_subcommand hook; and __fish_seen_subcommand_from run" -l ledger -d 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand hook; and __fish_seen_subcommand_from run" -l no-leak-check -d 'Skip the secret-value leak check (plaintext and stale checks only)'
complete -c envseal -n "__fish_envseal_using_subcommand hook; and __fish_seen_subcommand_from run" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c envseal -n "__fish_envseal_using_subcommand hook; and __fish_seen_subcommand_from run" -s v -l verbose -d 'Say more about what is done (never secrets)'
complete -c envseal -n "__fish_envseal_using_subcommand hook; and __fish_seen_subcommand_from run" -s h -l help -d 'Print help'
complete -c envseal -n "__fish_envseal_using_subcommand hook; and __fish_seen_subcommand_from help" -f -a "install" -d 'Add the envseal block to the repository\'s pre-commit and pre-merge-commit hooks'
complete -c envseal -n "__fish_envseal_using_subcommand hook; and __fish_seen_subcommand_from help" -f -a "uninstall" -d 'Remove the envseal block (and a hook file if nothing else is in it)'
complete -c envseal -n "__fish_envseal_using_subcommand hook; and __fish_seen_subcommand_from help" -f -a "run" -d 'Check the staged content (what the hook runs)'
complete -c envseal -n "__fish_envseal_using_subcommand hook; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c envseal -n "__fish_envseal_using_subcommand run" -s f -l file -d 'The encrypted file [default: .env.encrypted]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand run" -l key-file -d 'Read the master key from this file' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand run" -l key-id -d 'Use this key from the keyring (sha256:...)' -r
complete -c envseal -n "__fish_envseal_using_subcommand run" -l ledger -d 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand run" -l override -d 'Values from the file replace variables already set in the environment'
complete -c envseal -n "__fish_envseal_using_subcommand run" -l expand -d 'Expand ${VAR} and ${VAR:-default} in unquoted and double-quoted values'
complete -c envseal -n "__fish_envseal_using_subcommand run" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c envseal -n "__fish_envseal_using_subcommand run" -s v -l verbose -d 'Say more about what is done (never secrets)'
complete -c envseal -n "__fish_envseal_using_subcommand run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c envseal -n "__fish_envseal_using_subcommand edit" -l key-file -d 'Read the master key from this file' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand edit" -l key-id -d 'Use this key from the keyring (sha256:...)' -r
complete -c envseal -n "__fish_envseal_using_subcommand edit" -l ledger -d 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand edit" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c envseal -n "__fish_envseal_using_subcommand edit" -s v -l verbose -d 'Say more about what is done (never secrets)'
complete -c envseal -n "__fish_envseal_using_subcommand edit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c envseal -n "__fish_envseal_using_subcommand completions" -l ledger -d 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand completions" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c envseal -n "__fish_envseal_using_subcommand completions" -s v -l verbose -d 'Say more about what is done (never secrets)'
complete -c envseal -n "__fish_envseal_using_subcommand completions" -s h -l help -d 'Print help'
complete -c envseal -n "__fish_envseal_using_subcommand help; and not __fish_seen_subcommand_from generate-key encrypt decrypt rotate status mask hook run edit completions help" -f -a "generate-key" -d 'Generate a new master key (32 random bytes from the OS)'
complete -c envseal -n "__fish_envseal_using_subcommand help; and not __fish_seen_subcommand_from generate-key encrypt decrypt rotate status mask hook run edit completions help" -f -a "encrypt" -d 'Encrypt a .env file into a committable .env.encrypted'
complete -c envseal -n "__fish_envseal_using_subcommand help; and not __fish_seen_subcommand_from generate-key encrypt decrypt rotate status mask hook run edit completions help" -f -a "decrypt" -d 'Decrypt an encrypted file (v1 or Fernet, told apart by content)'
complete -c envseal -n "__fish_envseal_using_subcommand help; and not __fish_seen_subcommand_from generate-key encrypt decrypt rotate status mask hook run edit completions help" -f -a "rotate" -d 'Rotate the master key: re-encrypt every file under the current key with a new one'
complete -c envseal -n "__fish_envseal_using_subcommand help; and not __fish_seen_subcommand_from generate-key encrypt decrypt rotate status mask hook run edit completions help" -f -a "status" -d 'Show the project\'s encrypted files, key ages, due rotations and problems'
complete -c envseal -n "__fish_envseal_using_subcommand help; and not __fish_seen_subcommand_from generate-key encrypt decrypt rotate status mask hook run edit completions help" -f -a "mask" -d 'Mask secrets: a masked view of a .env file, a streaming filter, or a leak check'
complete -c envseal -n "__fish_envseal_using_subcommand help; and not __fish_seen_subcommand_from generate-key encrypt decrypt rotate status mask hook run edit completions help" -f -a "hook" -d 'Install, remove or run the git hooks (pre-commit and pre-merge-commit)'
complete -c envseal -n "__fish_envseal_using_subcommand help; and not __fish_seen_subcommand_from generate-key encrypt decrypt rotate status mask hook run edit completions help" -f -a "run" -d 'Run a command with the decrypted variables in its environment; nothing is written to disk'
complete -c envseal -n "__fish_envseal_using_subcommand help; and not __fish_seen_subcommand_from generate-key encrypt decrypt rotate status mask hook run edit completions help" -f -a "edit" -d 'Edit an encrypted file in $VISUAL / $EDITOR and re-encrypt it on save'
complete -c envseal -n "__fish_envseal_using_subcommand help; and not __fish_seen_subcommand_from generate-key encrypt decrypt rotate status mask hook run edit completions help" -f -a "completions" -d 'Print a shell completion script (also committed under completions/)'
complete -c envseal -n "__fish_envseal_using_subcommand help; and not __fish_seen_subcommand_from generate-key encrypt decrypt rotate status mask hook run edit completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c envseal -n "__fish_envseal_using_subcommand help; and __fish_seen_subcommand_from hook" -f -a "install" -d 'Add the envseal block to the repository\'s pre-commit and pre-merge-commit hooks'
complete -c envseal -n "__fish_envseal_using_subcommand help; and __fish_seen_subcommand_from hook" -f -a "uninstall" -d 'Remove the envseal block (and a hook file if nothing else is in it)'
complete -c envseal -n "__fish_envseal_using_subcommand help; and __fish_seen_subcommand_from hook" -f -a "run" -d 'Check the staged content (what the hook runs)'
