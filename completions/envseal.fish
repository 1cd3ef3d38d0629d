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
complete -c envseal -n "__fish_envseal_needs_command" -f -a "generate-key" -d 'Generate a new master key (32 random bytes from the OS), or with --age an age identity'
complete -c envseal -n "__fish_envseal_needs_command" -f -a "encrypt" -d 'Encrypt a .env file into a committable .env.encrypted'
complete -c envseal -n "__fish_envseal_needs_command" -f -a "decrypt" -d 'Decrypt an encrypted file (v1 or Fernet, told apart by content)'
complete -c envseal -n "__fish_envseal_needs_command" -f -a "rotate" -d 'Rotate the master key: re-encrypt every file under the current key with a new one'
complete -c envseal -n "__fish_envseal_needs_command" -f -a "status" -d 'Show the project\'s encrypted files, key ages, due rotations and problems'
complete -c envseal -n "__fish_envseal_needs_command" -f -a "mask" -d 'Mask secrets: a masked view of a .env file, a streaming filter, or a leak check'
complete -c envseal -n "__fish_envseal_needs_command" -f -a "hook" -d 'Install, remove or run the git hooks (pre-commit and pre-merge-commit)'
complete -c envseal -n "__fish_envseal_needs_command" -f -a "run" -d 'Run a command with the decrypted variables in its environment; nothing is written to disk'
complete -c envseal -n "__fish_envseal_needs_command" -f -a "edit" -d 'Edit an encrypted file in $VISUAL / $EDITOR and re-encrypt it on save'
complete -c envseal -n "__fish_envseal_needs_command" -f -a "set" -d 'Set one value in an encrypted file, in place; the value never goes on the command line'
complete -c envseal -n "__fish_envseal_needs_command" -f -a "unset" -d 'Remove one key from an encrypted file, in place'
complete -c envseal -n "__fish_envseal_needs_command" -f -a "get" -d 'Print one decrypted value, raw (no newline added), on stdout'
complete -c envseal -n "__fish_envseal_needs_command" -f -a "export" -d 'Write the decrypted variables to stdout in a format another tool reads'
complete -c envseal -n "__fish_envseal_needs_command" -f -a "key" -d 'Manage the keyring: import a key someone gave you, list the keys you hold'
complete -c envseal -n "__fish_envseal_needs_command" -f -a "completions" -d 'Print a shell completion script (also committed under completions/)'
complete -c envseal -n "__fish_envseal_needs_command" -f -a "sync" -d 'Reconcile a .env file and its encrypted file when both changed since the last sync'
complete -c envseal -n "__fish_envseal_needs_command" -f -a "merge" -d 'Git merge driver: merge three versions of an encrypted file key by key'
complete -c envseal -n "__fish_envseal_needs_command" -f -a "recipients" -d 'Manage who can decrypt: the key slots of encrypted v1 files'
complete -c envseal -n "__fish_envseal_needs_command" -f -a "updatekeys" -d 'Make each file\'s key slots match its [[creation_rules]] rule in .envseal/config.toml'
complete -c envseal -n "__fish_envseal_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c envseal -n "__fish_envseal_using_subcommand generate-key" -l out -d 'Write the key to this file (mode 0600) instead of the keyring' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand generate-key" -l ledger -d 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand generate-key" -l stdout -d 'Print the key itself on stdout (for a secret store); nothing is saved'
complete -c envseal -n "__fish_envseal_using_subcommand generate-key" -l force -d 'Replace an existing --out file'
complete -c envseal -n "__fish_envseal_using_subcommand generate-key" -l json -d 'Print {"key_id": ..., "path": ...} on stdout ({"recipient": ..., "path": ...} with --age)'
complete -c envseal -n "__fish_envseal_using_subcommand generate-key" -l age -d 'Generate an age identity (a private key; its recipient age1... is public) instead of a master key. Never replaces an existing file'
complete -c envseal -n "__fish_envseal_using_subcommand generate-key" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c envseal -n "__fish_envseal_using_subcommand generate-key" -s v -l verbose -d 'Say more about what is done (never secrets)'
complete -c envseal -n "__fish_envseal_using_subcommand generate-key" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c envseal -n "__fish_envseal_using_subcommand encrypt" -s f -l env-path -l file -d 'Same as FILE (legacy name). `-f` means `--file` in every command; `--force` has no short form' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand encrypt" -s o -l output -d 'Where to write [default: FILE.encrypted]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand encrypt" -l format -d 'Output format' -r -f -a "v1\t'Per value, AES-256-GCM, diff-friendly (default)'
fernet\t'Whole file as one Fernet token (AES-128-CBC + HMAC-SHA256), Python-compatible'"
complete -c envseal -n "__fish_envseal_using_subcommand encrypt" -l key-file -d 'Read the master key from this file' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand encrypt" -l key-id -d 'Use this key from the keyring (sha256:...)' -r
complete -c envseal -n "__fish_envseal_using_subcommand encrypt" -l identity -d 'An age identity file or an unencrypted OpenSSH private key that opens the file\'s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand encrypt" -l age -d 'For a NEW output: wrap its data key for this age recipient (`age1...`), one slot each; `NAME=age1...` names the slot (for `recipients list` and `remove`). Repeatable. No master slot is written unless --master is given. An existing output keeps its slots: change them with `envseal recipients add/remove`' -r
complete -c envseal -n "__fish_envseal_using_subcommand encrypt" -l ssh -d 'For a NEW output: a slot for this OpenSSH public key (`ssh-ed25519 AAAA...` or a .pub file; `NAME=...` names it). Repeatable' -r
complete -c envseal -n "__fish_envseal_using_subcommand encrypt" -l aws-kms -d 'For a NEW output: a slot for this AWS KMS key (key ARN or alias ARN; wrapping needs kms:Encrypt on it). Repeatable' -r
complete -c envseal -n "__fish_envseal_using_subcommand encrypt" -l ledger -d 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand encrypt" -l stdout -d 'Write the encrypted file to stdout'
complete -c envseal -n "__fish_envseal_using_subcommand encrypt" -l encrypt-comments -d 'Encrypt every comment too (by default only comments that read like assignments, such as #OLD_PASSWORD=..., are encrypted)'
complete -c envseal -n "__fish_envseal_using_subcommand encrypt" -l force -l yes -d 'Overwrite an output that is not this file under this key (other key, other format, not encrypted) without asking'
complete -c envseal -n "__fish_envseal_using_subcommand encrypt" -l master -d 'With --age/--ssh/--aws-kms: also write a master-key slot (the master key from the usual sources)'
complete -c envseal -n "__fish_envseal_using_subcommand encrypt" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c envseal -n "__fish_envseal_using_subcommand encrypt" -s v -l verbose -d 'Say more about what is done (never secrets)'
complete -c envseal -n "__fish_envseal_using_subcommand encrypt" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c envseal -n "__fish_envseal_using_subcommand decrypt" -s f -l encrypted-path -l file -d 'Same as FILE (legacy name). `-f` means `--file` in every command; `--force` has no short form' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand decrypt" -s o -l output -d 'Where to write [default: FILE without .encrypted]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand decrypt" -l key-file -d 'Read the master key from this file' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand decrypt" -l key-id -d 'Use this key from the keyring (sha256:...)' -r
complete -c envseal -n "__fish_envseal_using_subcommand decrypt" -l identity -d 'An age identity file or an unencrypted OpenSSH private key that opens the file\'s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand decrypt" -l ledger -d 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand decrypt" -l stdout -d 'Write the plaintext to stdout instead of a file'
complete -c envseal -n "__fish_envseal_using_subcommand decrypt" -l textconv -d 'For git\'s textconv, showing PLAINTEXT values (opt-in; `envseal mask --textconv` shows masked ones): FILE to stdout, never a prompt, every key at hand tried by key id, and a file no key at hand opens shown as it is (exit 0). Beware: `git commit -v` then writes decrypted values into .git/COMMIT_EDITMSG'
complete -c envseal -n "__fish_envseal_using_subcommand decrypt" -l force -l yes -d 'Replace an existing, different output without asking'
complete -c envseal -n "__fish_envseal_using_subcommand decrypt" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c envseal -n "__fish_envseal_using_subcommand decrypt" -s v -l verbose -d 'Say more about what is done (never secrets)'
complete -c envseal -n "__fish_envseal_using_subcommand decrypt" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c envseal -n "__fish_envseal_using_subcommand rotate" -l reason -d 'Why (recorded in the ledger)' -r
complete -c envseal -n "__fish_envseal_using_subcommand rotate" -l new-key-file -d 'Save the new key to this file (mode 0600) instead of the keyring' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand rotate" -l key-file -d 'Read the master key from this file' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand rotate" -l key-id -d 'Use this key from the keyring (sha256:...)' -r
complete -c envseal -n "__fish_envseal_using_subcommand rotate" -l identity -d 'An age identity file or an unencrypted OpenSSH private key that opens the file\'s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand rotate" -l ledger -d 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand rotate" -l no-backup -d 'Do not keep FILE.backup_<time> copies of the old encrypted files'
complete -c envseal -n "__fish_envseal_using_subcommand rotate" -l force -l yes -d 'Do not ask for confirmation (needed without a terminal)'
complete -c envseal -n "__fish_envseal_using_subcommand rotate" -l resume -d 'Finish the unfinished rotation the ledger shows'
complete -c envseal -n "__fish_envseal_using_subcommand rotate" -l abort -d 'Undo the unfinished rotation: every file back under the old key (from the backups where they match)'
complete -c envseal -n "__fish_envseal_using_subcommand rotate" -l json -d 'Print the outcome as JSON on stdout'
complete -c envseal -n "__fish_envseal_using_subcommand rotate" -l recurse-submodules -d 'Also rotate the encrypted files of git submodules (other repositories; by default the project stops at a submodule\'s boundary)'
complete -c envseal -n "__fish_envseal_using_subcommand rotate" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c envseal -n "__fish_envseal_using_subcommand rotate" -s v -l verbose -d 'Say more about what is done (never secrets)'
complete -c envseal -n "__fish_envseal_using_subcommand rotate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c envseal -n "__fish_envseal_using_subcommand status" -l limit -d 'How many history rows (rotations and recipient changes together)' -r
complete -c envseal -n "__fish_envseal_using_subcommand status" -l key-file -d 'Read the master key from this file' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand status" -l key-id -d 'Use this key from the keyring (sha256:...)' -r
complete -c envseal -n "__fish_envseal_using_subcommand status" -l identity -d 'An age identity file or an unencrypted OpenSSH private key that opens the file\'s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand status" -l ledger -d 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand status" -l check -d 'Exit 1 when a file is stale, corrupt or edited by hand, a key is overdue, a plaintext env file is tracked by git or not ignored by it, a rotation is unfinished, or a file lacks the secret slot its creation rule requires (require_secret_slot); print one line per problem'
complete -c envseal -n "__fish_envseal_using_subcommand status" -l history -d 'Show the rotation history from the ledger, newest first, with the key-slot (recipient) changes merged in by time'
complete -c envseal -n "__fish_envseal_using_subcommand status" -l json -d 'Machine-readable output (schema in the README)'
complete -c envseal -n "__fish_envseal_using_subcommand status" -l recurse-submodules -d 'Also look into git submodules (by default the project stops at a submodule\'s boundary: its files belong to another repository)'
complete -c envseal -n "__fish_envseal_using_subcommand status" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c envseal -n "__fish_envseal_using_subcommand status" -s v -l verbose -d 'Say more about what is done (never secrets)'
complete -c envseal -n "__fish_envseal_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c envseal -n "__fish_envseal_using_subcommand mask" -l secrets -d 'Where the secret values come from (.env or .env.encrypted; repeatable). With --check it defaults to the project\'s env files' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand mask" -l min-len -d 'Values shorter than this many bytes are not treated as secrets (true, 1, ...)' -r
complete -c envseal -n "__fish_envseal_using_subcommand mask" -l dialect -d 'Whose reading of the --secrets files gives the values to mask (filter, --check): python, node or dotenvy [default: `dialect` in .envseal/config.toml, else python]. The view masks the file\'s text as written, whatever the dialect' -r -f -a "python\t'python-dotenv (load_dotenv, dotenv_values)'
node\t'node\'s dotenv package (dotenv.config, dotenv.parse)'
dotenvy\t'The dotenvy crate (dotenvy::dotenv, from_path)'"
complete -c envseal -n "__fish_envseal_using_subcommand mask" -l key-file -d 'Read the master key from this file' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand mask" -l key-id -d 'Use this key from the keyring (sha256:...)' -r
complete -c envseal -n "__fish_envseal_using_subcommand mask" -l identity -d 'An age identity file or an unencrypted OpenSSH private key that opens the file\'s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand mask" -l ledger -d 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand mask" -l all -d 'Mask every value, not only the sensitive ones (view)'
complete -c envseal -n "__fish_envseal_using_subcommand mask" -l check -d 'Search for secret values instead of printing; exit 1 on a hit'
complete -c envseal -n "__fish_envseal_using_subcommand mask" -l staged -d 'With --check: search the content staged in git (for a pre-commit hook)'
complete -c envseal -n "__fish_envseal_using_subcommand mask" -l all-values -d 'With --check: look for every value of the secrets files, not only the values of sensitive names, URL passwords and lines that are not assignments'
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
complete -c envseal -n "__fish_envseal_using_subcommand hook; and __fish_seen_subcommand_from run" -l identity -d 'An age identity file or an unencrypted OpenSSH private key that opens the file\'s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)' -r -F
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
complete -c envseal -n "__fish_envseal_using_subcommand run" -l dialect -d 'Whose reading gives the values: python, node or dotenvy [default: `dialect` in .envseal/config.toml, else python]' -r -f -a "python\t'python-dotenv (load_dotenv, dotenv_values)'
node\t'node\'s dotenv package (dotenv.config, dotenv.parse)'
dotenvy\t'The dotenvy crate (dotenvy::dotenv, from_path)'"
complete -c envseal -n "__fish_envseal_using_subcommand run" -l key-file -d 'Read the master key from this file' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand run" -l key-id -d 'Use this key from the keyring (sha256:...)' -r
complete -c envseal -n "__fish_envseal_using_subcommand run" -l identity -d 'An age identity file or an unencrypted OpenSSH private key that opens the file\'s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand run" -l ledger -d 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand run" -l override -d 'Values from the file replace variables already set in the environment'
complete -c envseal -n "__fish_envseal_using_subcommand run" -l expand -d 'Expand ${VAR} (the default of the python and dotenvy dialects; kept for scripts written when expansion was opt-in)'
complete -c envseal -n "__fish_envseal_using_subcommand run" -l no-expand -d 'Keep ${VAR} as written (python dialect: python-dotenv\'s interpolate=False)'
complete -c envseal -n "__fish_envseal_using_subcommand run" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c envseal -n "__fish_envseal_using_subcommand run" -s v -l verbose -d 'Say more about what is done (never secrets)'
complete -c envseal -n "__fish_envseal_using_subcommand run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c envseal -n "__fish_envseal_using_subcommand edit" -l key-file -d 'Read the master key from this file' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand edit" -l key-id -d 'Use this key from the keyring (sha256:...)' -r
complete -c envseal -n "__fish_envseal_using_subcommand edit" -l identity -d 'An age identity file or an unencrypted OpenSSH private key that opens the file\'s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand edit" -l ledger -d 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand edit" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c envseal -n "__fish_envseal_using_subcommand edit" -s v -l verbose -d 'Say more about what is done (never secrets)'
complete -c envseal -n "__fish_envseal_using_subcommand edit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c envseal -n "__fish_envseal_using_subcommand set" -s f -l file -d 'The encrypted file [default: .env.encrypted]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand set" -l after -d 'Put a new key after this one (a key that exists stays where it is)' -r
complete -c envseal -n "__fish_envseal_using_subcommand set" -l key-file -d 'Read the master key from this file' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand set" -l key-id -d 'Use this key from the keyring (sha256:...)' -r
complete -c envseal -n "__fish_envseal_using_subcommand set" -l identity -d 'An age identity file or an unencrypted OpenSSH private key that opens the file\'s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand set" -l ledger -d 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand set" -l from-file -d 'Read the value from the file PATH, byte for byte (a final newline is kept)'
complete -c envseal -n "__fish_envseal_using_subcommand set" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c envseal -n "__fish_envseal_using_subcommand set" -s v -l verbose -d 'Say more about what is done (never secrets)'
complete -c envseal -n "__fish_envseal_using_subcommand set" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c envseal -n "__fish_envseal_using_subcommand unset" -s f -l file -d 'The encrypted file [default: .env.encrypted]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand unset" -l key-file -d 'Read the master key from this file' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand unset" -l key-id -d 'Use this key from the keyring (sha256:...)' -r
complete -c envseal -n "__fish_envseal_using_subcommand unset" -l identity -d 'An age identity file or an unencrypted OpenSSH private key that opens the file\'s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand unset" -l ledger -d 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand unset" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c envseal -n "__fish_envseal_using_subcommand unset" -s v -l verbose -d 'Say more about what is done (never secrets)'
complete -c envseal -n "__fish_envseal_using_subcommand unset" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c envseal -n "__fish_envseal_using_subcommand get" -s f -l file -d 'The encrypted file [default: .env.encrypted]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand get" -l dialect -d 'Whose reading gives the values: python, node or dotenvy [default: `dialect` in .envseal/config.toml, else python] (README, "Dialects")' -r -f -a "python\t'python-dotenv (load_dotenv, dotenv_values)'
node\t'node\'s dotenv package (dotenv.config, dotenv.parse)'
dotenvy\t'The dotenvy crate (dotenvy::dotenv, from_path)'"
complete -c envseal -n "__fish_envseal_using_subcommand get" -l key-file -d 'Read the master key from this file' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand get" -l key-id -d 'Use this key from the keyring (sha256:...)' -r
complete -c envseal -n "__fish_envseal_using_subcommand get" -l identity -d 'An age identity file or an unencrypted OpenSSH private key that opens the file\'s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand get" -l ledger -d 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand get" -l json -d 'Print {"key": ..., "value": ...} and a newline'
complete -c envseal -n "__fish_envseal_using_subcommand get" -l force -l yes -d 'Print on a terminal without asking'
complete -c envseal -n "__fish_envseal_using_subcommand get" -l no-expand -d 'Keep ${VAR} as written (python dialect: python-dotenv\'s interpolate=False)'
complete -c envseal -n "__fish_envseal_using_subcommand get" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c envseal -n "__fish_envseal_using_subcommand get" -s v -l verbose -d 'Say more about what is done (never secrets)'
complete -c envseal -n "__fish_envseal_using_subcommand get" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c envseal -n "__fish_envseal_using_subcommand export" -l as -d 'The output format' -r -f -a "json\t'One JSON object, string values'
shell\t'`export KEY=\'...\'` lines, safe to eval in any POSIX shell'
docker\t'`docker run --env-file` lines (raw values; a multi-line value is refused)'
k8s\t'A Kubernetes v1 Secret manifest (base64 data)'
github\t'Lines for $GITHUB_ENV; `::add-mask::` commands for sensitive values on stderr'"
complete -c envseal -n "__fish_envseal_using_subcommand export" -s f -l file -d 'The encrypted file [default: .env.encrypted]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand export" -l name -d 'k8s: the Secret\'s name [default: from the file name, e.g. env-production]' -r
complete -c envseal -n "__fish_envseal_using_subcommand export" -l namespace -d 'k8s: the Secret\'s namespace [default: none, kubectl\'s current one]' -r
complete -c envseal -n "__fish_envseal_using_subcommand export" -l dialect -d 'Whose reading gives the values: python, node or dotenvy [default: `dialect` in .envseal/config.toml, else python] (README, "Dialects")' -r -f -a "python\t'python-dotenv (load_dotenv, dotenv_values)'
node\t'node\'s dotenv package (dotenv.config, dotenv.parse)'
dotenvy\t'The dotenvy crate (dotenvy::dotenv, from_path)'"
complete -c envseal -n "__fish_envseal_using_subcommand export" -l key-file -d 'Read the master key from this file' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand export" -l key-id -d 'Use this key from the keyring (sha256:...)' -r
complete -c envseal -n "__fish_envseal_using_subcommand export" -l identity -d 'An age identity file or an unencrypted OpenSSH private key that opens the file\'s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand export" -l ledger -d 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand export" -l force -l yes -d 'Write to a terminal without asking'
complete -c envseal -n "__fish_envseal_using_subcommand export" -l no-expand -d 'Keep ${VAR} as written (python dialect: python-dotenv\'s interpolate=False)'
complete -c envseal -n "__fish_envseal_using_subcommand export" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c envseal -n "__fish_envseal_using_subcommand export" -s v -l verbose -d 'Say more about what is done (never secrets)'
complete -c envseal -n "__fish_envseal_using_subcommand export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c envseal -n "__fish_envseal_using_subcommand key; and not __fish_seen_subcommand_from import list help" -l ledger -d 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand key; and not __fish_seen_subcommand_from import list help" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c envseal -n "__fish_envseal_using_subcommand key; and not __fish_seen_subcommand_from import list help" -s v -l verbose -d 'Say more about what is done (never secrets)'
complete -c envseal -n "__fish_envseal_using_subcommand key; and not __fish_seen_subcommand_from import list help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c envseal -n "__fish_envseal_using_subcommand key; and not __fish_seen_subcommand_from import list help" -f -a "import" -d 'Save a key (from FILE, or `-` for stdin; hidden prompt on a terminal) into the keyring as <id>.key, mode 0600; prints its key id'
complete -c envseal -n "__fish_envseal_using_subcommand key; and not __fish_seen_subcommand_from import list help" -f -a "list" -d 'List the keyring\'s keys: key id, when its file was written, file. Never the key'
complete -c envseal -n "__fish_envseal_using_subcommand key; and not __fish_seen_subcommand_from import list help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c envseal -n "__fish_envseal_using_subcommand key; and __fish_seen_subcommand_from import" -l ledger -d 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand key; and __fish_seen_subcommand_from import" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c envseal -n "__fish_envseal_using_subcommand key; and __fish_seen_subcommand_from import" -s v -l verbose -d 'Say more about what is done (never secrets)'
complete -c envseal -n "__fish_envseal_using_subcommand key; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help'
complete -c envseal -n "__fish_envseal_using_subcommand key; and __fish_seen_subcommand_from list" -l ledger -d 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand key; and __fish_seen_subcommand_from list" -l json -d 'Print JSON: `{"schema": 1, "keys": [{"id", "file", "created"}]}` (`created`: when the key file was written, RFC 3339 UTC)'
complete -c envseal -n "__fish_envseal_using_subcommand key; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c envseal -n "__fish_envseal_using_subcommand key; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Say more about what is done (never secrets)'
complete -c envseal -n "__fish_envseal_using_subcommand key; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c envseal -n "__fish_envseal_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "import" -d 'Save a key (from FILE, or `-` for stdin; hidden prompt on a terminal) into the keyring as <id>.key, mode 0600; prints its key id'
complete -c envseal -n "__fish_envseal_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the keyring\'s keys: key id, when its file was written, file. Never the key'
complete -c envseal -n "__fish_envseal_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c envseal -n "__fish_envseal_using_subcommand completions" -l ledger -d 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand completions" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c envseal -n "__fish_envseal_using_subcommand completions" -s v -l verbose -d 'Say more about what is done (never secrets)'
complete -c envseal -n "__fish_envseal_using_subcommand completions" -s h -l help -d 'Print help'
complete -c envseal -n "__fish_envseal_using_subcommand sync" -l key-file -d 'Read the master key from this file' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand sync" -l key-id -d 'Use this key from the keyring (sha256:...)' -r
complete -c envseal -n "__fish_envseal_using_subcommand sync" -l identity -d 'An age identity file or an unencrypted OpenSSH private key that opens the file\'s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand sync" -l ledger -d 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand sync" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c envseal -n "__fish_envseal_using_subcommand sync" -s v -l verbose -d 'Say more about what is done (never secrets)'
complete -c envseal -n "__fish_envseal_using_subcommand sync" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c envseal -n "__fish_envseal_using_subcommand merge" -l key-file -d 'Read the master key from this file' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand merge" -l key-id -d 'Use this key from the keyring (sha256:...)' -r
complete -c envseal -n "__fish_envseal_using_subcommand merge" -l identity -d 'An age identity file or an unencrypted OpenSSH private key that opens the file\'s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand merge" -l ledger -d 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand merge" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c envseal -n "__fish_envseal_using_subcommand merge" -s v -l verbose -d 'Say more about what is done (never secrets)'
complete -c envseal -n "__fish_envseal_using_subcommand merge" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c envseal -n "__fish_envseal_using_subcommand recipients; and not __fish_seen_subcommand_from add list remove help" -l ledger -d 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand recipients; and not __fish_seen_subcommand_from add list remove help" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c envseal -n "__fish_envseal_using_subcommand recipients; and not __fish_seen_subcommand_from add list remove help" -s v -l verbose -d 'Say more about what is done (never secrets)'
complete -c envseal -n "__fish_envseal_using_subcommand recipients; and not __fish_seen_subcommand_from add list remove help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c envseal -n "__fish_envseal_using_subcommand recipients; and not __fish_seen_subcommand_from add list remove help" -f -a "add" -d 'Wrap each file\'s existing data key for one more recipient (needs a key that opens the file). A recipient already there is left as it is'
complete -c envseal -n "__fish_envseal_using_subcommand recipients; and not __fish_seen_subcommand_from add list remove help" -f -a "list" -d 'List each file\'s key slots: kind, key id, name, public form, created. Needs no key'
complete -c envseal -n "__fish_envseal_using_subcommand recipients; and not __fish_seen_subcommand_from add list remove help" -f -a "remove" -d 'Remove a recipient: a new data key, every value encrypted again, the other slots re-wrapped. Then rotate the values it names at their providers: git history stays readable to the removed person'
complete -c envseal -n "__fish_envseal_using_subcommand recipients; and not __fish_seen_subcommand_from add list remove help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c envseal -n "__fish_envseal_using_subcommand recipients; and __fish_seen_subcommand_from add" -l age -d 'An age recipient (age1...)' -r
complete -c envseal -n "__fish_envseal_using_subcommand recipients; and __fish_seen_subcommand_from add" -l ssh -d 'An OpenSSH public key (`ssh-ed25519 AAAA...`) or a .pub file' -r
complete -c envseal -n "__fish_envseal_using_subcommand recipients; and __fish_seen_subcommand_from add" -l aws-kms -d 'An AWS KMS key ARN or alias ARN (needs kms:Encrypt on it)' -r
complete -c envseal -n "__fish_envseal_using_subcommand recipients; and __fish_seen_subcommand_from add" -l name -d 'A name for the slot (letters, digits, `.`, `_`, `-`, `@`), shown by `list` and accepted by `remove`. Not for --aws-kms (its ARN names it)' -r
complete -c envseal -n "__fish_envseal_using_subcommand recipients; and __fish_seen_subcommand_from add" -l key-file -d 'Read the master key from this file' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand recipients; and __fish_seen_subcommand_from add" -l key-id -d 'Use this key from the keyring (sha256:...)' -r
complete -c envseal -n "__fish_envseal_using_subcommand recipients; and __fish_seen_subcommand_from add" -l identity -d 'An age identity file or an unencrypted OpenSSH private key that opens the file\'s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand recipients; and __fish_seen_subcommand_from add" -l ledger -d 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand recipients; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c envseal -n "__fish_envseal_using_subcommand recipients; and __fish_seen_subcommand_from add" -s v -l verbose -d 'Say more about what is done (never secrets)'
complete -c envseal -n "__fish_envseal_using_subcommand recipients; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c envseal -n "__fish_envseal_using_subcommand recipients; and __fish_seen_subcommand_from list" -l ledger -d 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand recipients; and __fish_seen_subcommand_from list" -l json -d 'Print JSON (schema in the README, "Team keys")'
complete -c envseal -n "__fish_envseal_using_subcommand recipients; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c envseal -n "__fish_envseal_using_subcommand recipients; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Say more about what is done (never secrets)'
complete -c envseal -n "__fish_envseal_using_subcommand recipients; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c envseal -n "__fish_envseal_using_subcommand recipients; and __fish_seen_subcommand_from remove" -l key-file -d 'Read the master key from this file' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand recipients; and __fish_seen_subcommand_from remove" -l key-id -d 'Use this key from the keyring (sha256:...)' -r
complete -c envseal -n "__fish_envseal_using_subcommand recipients; and __fish_seen_subcommand_from remove" -l identity -d 'An age identity file or an unencrypted OpenSSH private key that opens the file\'s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand recipients; and __fish_seen_subcommand_from remove" -l ledger -d 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand recipients; and __fish_seen_subcommand_from remove" -l yes -l force -d 'Do not ask for confirmation (needed without a terminal)'
complete -c envseal -n "__fish_envseal_using_subcommand recipients; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c envseal -n "__fish_envseal_using_subcommand recipients; and __fish_seen_subcommand_from remove" -s v -l verbose -d 'Say more about what is done (never secrets)'
complete -c envseal -n "__fish_envseal_using_subcommand recipients; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c envseal -n "__fish_envseal_using_subcommand recipients; and __fish_seen_subcommand_from help" -f -a "add" -d 'Wrap each file\'s existing data key for one more recipient (needs a key that opens the file). A recipient already there is left as it is'
complete -c envseal -n "__fish_envseal_using_subcommand recipients; and __fish_seen_subcommand_from help" -f -a "list" -d 'List each file\'s key slots: kind, key id, name, public form, created. Needs no key'
complete -c envseal -n "__fish_envseal_using_subcommand recipients; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Remove a recipient: a new data key, every value encrypted again, the other slots re-wrapped. Then rotate the values it names at their providers: git history stays readable to the removed person'
complete -c envseal -n "__fish_envseal_using_subcommand recipients; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c envseal -n "__fish_envseal_using_subcommand updatekeys" -l key-file -d 'Read the master key from this file' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand updatekeys" -l key-id -d 'Use this key from the keyring (sha256:...)' -r
complete -c envseal -n "__fish_envseal_using_subcommand updatekeys" -l identity -d 'An age identity file or an unencrypted OpenSSH private key that opens the file\'s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand updatekeys" -l ledger -d 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]' -r -F
complete -c envseal -n "__fish_envseal_using_subcommand updatekeys" -l yes -l force -d 'Do not ask for confirmation (needed without a terminal)'
complete -c envseal -n "__fish_envseal_using_subcommand updatekeys" -l dry-run -d 'Print the plan and change nothing'
complete -c envseal -n "__fish_envseal_using_subcommand updatekeys" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c envseal -n "__fish_envseal_using_subcommand updatekeys" -s v -l verbose -d 'Say more about what is done (never secrets)'
complete -c envseal -n "__fish_envseal_using_subcommand updatekeys" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c envseal -n "__fish_envseal_using_subcommand help; and not __fish_seen_subcommand_from generate-key encrypt decrypt rotate status mask hook run edit set unset get export key completions sync merge recipients updatekeys help" -f -a "generate-key" -d 'Generate a new master key (32 random bytes from the OS), or with --age an age identity'
complete -c envseal -n "__fish_envseal_using_subcommand help; and not __fish_seen_subcommand_from generate-key encrypt decrypt rotate status mask hook run edit set unset get export key completions sync merge recipients updatekeys help" -f -a "encrypt" -d 'Encrypt a .env file into a committable .env.encrypted'
complete -c envseal -n "__fish_envseal_using_subcommand help; and not __fish_seen_subcommand_from generate-key encrypt decrypt rotate status mask hook run edit set unset get export key completions sync merge recipients updatekeys help" -f -a "decrypt" -d 'Decrypt an encrypted file (v1 or Fernet, told apart by content)'
complete -c envseal -n "__fish_envseal_using_subcommand help; and not __fish_seen_subcommand_from generate-key encrypt decrypt rotate status mask hook run edit set unset get export key completions sync merge recipients updatekeys help" -f -a "rotate" -d 'Rotate the master key: re-encrypt every file under the current key with a new one'
complete -c envseal -n "__fish_envseal_using_subcommand help; and not __fish_seen_subcommand_from generate-key encrypt decrypt rotate status mask hook run edit set unset get export key completions sync merge recipients updatekeys help" -f -a "status" -d 'Show the project\'s encrypted files, key ages, due rotations and problems'
complete -c envseal -n "__fish_envseal_using_subcommand help; and not __fish_seen_subcommand_from generate-key encrypt decrypt rotate status mask hook run edit set unset get export key completions sync merge recipients updatekeys help" -f -a "mask" -d 'Mask secrets: a masked view of a .env file, a streaming filter, or a leak check'
complete -c envseal -n "__fish_envseal_using_subcommand help; and not __fish_seen_subcommand_from generate-key encrypt decrypt rotate status mask hook run edit set unset get export key completions sync merge recipients updatekeys help" -f -a "hook" -d 'Install, remove or run the git hooks (pre-commit and pre-merge-commit)'
complete -c envseal -n "__fish_envseal_using_subcommand help; and not __fish_seen_subcommand_from generate-key encrypt decrypt rotate status mask hook run edit set unset get export key completions sync merge recipients updatekeys help" -f -a "run" -d 'Run a command with the decrypted variables in its environment; nothing is written to disk'
complete -c envseal -n "__fish_envseal_using_subcommand help; and not __fish_seen_subcommand_from generate-key encrypt decrypt rotate status mask hook run edit set unset get export key completions sync merge recipients updatekeys help" -f -a "edit" -d 'Edit an encrypted file in $VISUAL / $EDITOR and re-encrypt it on save'
complete -c envseal -n "__fish_envseal_using_subcommand help; and not __fish_seen_subcommand_from generate-key encrypt decrypt rotate status mask hook run edit set unset get export key completions sync merge recipients updatekeys help" -f -a "set" -d 'Set one value in an encrypted file, in place; the value never goes on the command line'
complete -c envseal -n "__fish_envseal_using_subcommand help; and not __fish_seen_subcommand_from generate-key encrypt decrypt rotate status mask hook run edit set unset get export key completions sync merge recipients updatekeys help" -f -a "unset" -d 'Remove one key from an encrypted file, in place'
complete -c envseal -n "__fish_envseal_using_subcommand help; and not __fish_seen_subcommand_from generate-key encrypt decrypt rotate status mask hook run edit set unset get export key completions sync merge recipients updatekeys help" -f -a "get" -d 'Print one decrypted value, raw (no newline added), on stdout'
complete -c envseal -n "__fish_envseal_using_subcommand help; and not __fish_seen_subcommand_from generate-key encrypt decrypt rotate status mask hook run edit set unset get export key completions sync merge recipients updatekeys help" -f -a "export" -d 'Write the decrypted variables to stdout in a format another tool reads'
complete -c envseal -n "__fish_envseal_using_subcommand help; and not __fish_seen_subcommand_from generate-key encrypt decrypt rotate status mask hook run edit set unset get export key completions sync merge recipients updatekeys help" -f -a "key" -d 'Manage the keyring: import a key someone gave you, list the keys you hold'
complete -c envseal -n "__fish_envseal_using_subcommand help; and not __fish_seen_subcommand_from generate-key encrypt decrypt rotate status mask hook run edit set unset get export key completions sync merge recipients updatekeys help" -f -a "completions" -d 'Print a shell completion script (also committed under completions/)'
complete -c envseal -n "__fish_envseal_using_subcommand help; and not __fish_seen_subcommand_from generate-key encrypt decrypt rotate status mask hook run edit set unset get export key completions sync merge recipients updatekeys help" -f -a "sync" -d 'Reconcile a .env file and its encrypted file when both changed since the last sync'
complete -c envseal -n "__fish_envseal_using_subcommand help; and not __fish_seen_subcommand_from generate-key encrypt decrypt rotate status mask hook run edit set unset get export key completions sync merge recipients updatekeys help" -f -a "merge" -d 'Git merge driver: merge three versions of an encrypted file key by key'
complete -c envseal -n "__fish_envseal_using_subcommand help; and not __fish_seen_subcommand_from generate-key encrypt decrypt rotate status mask hook run edit set unset get export key completions sync merge recipients updatekeys help" -f -a "recipients" -d 'Manage who can decrypt: the key slots of encrypted v1 files'
complete -c envseal -n "__fish_envseal_using_subcommand help; and not __fish_seen_subcommand_from generate-key encrypt decrypt rotate status mask hook run edit set unset get export key completions sync merge recipients updatekeys help" -f -a "updatekeys" -d 'Make each file\'s key slots match its [[creation_rules]] rule in .envseal/config.toml'
complete -c envseal -n "__fish_envseal_using_subcommand help; and not __fish_seen_subcommand_from generate-key encrypt decrypt rotate status mask hook run edit set unset get export key completions sync merge recipients updatekeys help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c envseal -n "__fish_envseal_using_subcommand help; and __fish_seen_subcommand_from hook" -f -a "install" -d 'Add the envseal block to the repository\'s pre-commit and pre-merge-commit hooks'
complete -c envseal -n "__fish_envseal_using_subcommand help; and __fish_seen_subcommand_from hook" -f -a "uninstall" -d 'Remove the envseal block (and a hook file if nothing else is in it)'
complete -c envseal -n "__fish_envseal_using_subcommand help; and __fish_seen_subcommand_from hook" -f -a "run" -d 'Check the staged content (what the hook runs)'
complete -c envseal -n "__fish_envseal_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "import" -d 'Save a key (from FILE, or `-` for stdin; hidden prompt on a terminal) into the keyring as <id>.key, mode 0600; prints its key id'
complete -c envseal -n "__fish_envseal_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "list" -d 'List the keyring\'s keys: key id, when its file was written, file. Never the key'
complete -c envseal -n "__fish_envseal_using_subcommand help; and __fish_seen_subcommand_from recipients" -f -a "add" -d 'Wrap each file\'s existing data key for one more recipient (needs a key that opens the file). A recipient already there is left as it is'
complete -c envseal -n "__fish_envseal_using_subcommand help; and __fish_seen_subcommand_from recipients" -f -a "list" -d 'List each file\'s key slots: kind, key id, name, public form, created. Needs no key'
complete -c envseal -n "__fish_envseal_using_subcommand help; and __fish_seen_subcommand_from recipients" -f -a "remove" -d 'Remove a recipient: a new data key, every value encrypted again, the other slots re-wrapped. Then rotate the values it names at their providers: git history stays readable to the removed person'
