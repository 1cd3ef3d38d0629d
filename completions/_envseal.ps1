
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'envseal' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'envseal'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'envseal' {
            [CompletionResult]::new('--ledger', '--ledger', [CompletionResultType]::ParameterName, 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('generate-key', 'generate-key', [CompletionResultType]::ParameterValue, 'Generate a new master key (32 random bytes from the OS), or with --age an age identity')
            [CompletionResult]::new('encrypt', 'encrypt', [CompletionResultType]::ParameterValue, 'Encrypt a .env file into a committable .env.encrypted')
            [CompletionResult]::new('decrypt', 'decrypt', [CompletionResultType]::ParameterValue, 'Decrypt an encrypted file (v1 or Fernet, told apart by content)')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Rotate the master key: re-encrypt every file under the current key with a new one')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the project''s encrypted files, key ages, due rotations and problems')
            [CompletionResult]::new('mask', 'mask', [CompletionResultType]::ParameterValue, 'Mask secrets: a masked view of a .env file, a streaming filter, or a leak check')
            [CompletionResult]::new('hook', 'hook', [CompletionResultType]::ParameterValue, 'Install, remove or run the git hooks (pre-commit and pre-merge-commit)')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run a command with the decrypted variables in its environment; nothing is written to disk')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Edit an encrypted file in $VISUAL / $EDITOR and re-encrypt it on save')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Set one value in an encrypted file, in place; the value never goes on the command line')
            [CompletionResult]::new('unset', 'unset', [CompletionResultType]::ParameterValue, 'Remove one key from an encrypted file, in place')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Print one decrypted value, raw (no newline added), on stdout')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write the decrypted variables to stdout in a format another tool reads')
            [CompletionResult]::new('key', 'key', [CompletionResultType]::ParameterValue, 'Manage the keyring: import a key someone gave you, list the keys you hold')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script (also committed under completions/)')
            [CompletionResult]::new('sync', 'sync', [CompletionResultType]::ParameterValue, 'Reconcile a .env file and its encrypted file when both changed since the last sync')
            [CompletionResult]::new('merge', 'merge', [CompletionResultType]::ParameterValue, 'Git merge driver: merge three versions of an encrypted file key by key')
            [CompletionResult]::new('recipients', 'recipients', [CompletionResultType]::ParameterValue, 'Manage who can decrypt: the key slots of encrypted v1 files')
            [CompletionResult]::new('updatekeys', 'updatekeys', [CompletionResultType]::ParameterValue, 'Make each file''s key slots match its [[creation_rules]] rule in .envseal/config.toml')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'envseal;generate-key' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the key to this file (mode 0600) instead of the keyring')
            [CompletionResult]::new('--ledger', '--ledger', [CompletionResultType]::ParameterName, 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]')
            [CompletionResult]::new('--stdout', '--stdout', [CompletionResultType]::ParameterName, 'Print the key itself on stdout (for a secret store); nothing is saved')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace an existing --out file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print {"key_id": ..., "path": ...} on stdout ({"recipient": ..., "path": ...} with --age)')
            [CompletionResult]::new('--age', '--age', [CompletionResultType]::ParameterName, 'Generate an age identity (a private key; its recipient age1... is public) instead of a master key. Never replaces an existing file')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'envseal;encrypt' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Same as FILE (legacy name). `-f` means `--file` in every command; `--force` has no short form')
            [CompletionResult]::new('--env-path', '--env-path', [CompletionResultType]::ParameterName, 'Same as FILE (legacy name). `-f` means `--file` in every command; `--force` has no short form')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Same as FILE (legacy name). `-f` means `--file` in every command; `--force` has no short form')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Where to write [default: FILE.encrypted]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Where to write [default: FILE.encrypted]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Read the master key from this file')
            [CompletionResult]::new('--key-id', '--key-id', [CompletionResultType]::ParameterName, 'Use this key from the keyring (sha256:...)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'An age identity file or an unencrypted OpenSSH private key that opens the file''s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)')
            [CompletionResult]::new('--age', '--age', [CompletionResultType]::ParameterName, 'For a NEW output: wrap its data key for this age recipient (`age1...`), one slot each; `NAME=age1...` names the slot (for `recipients list` and `remove`). Repeatable. No master slot is written unless --master is given. An existing output keeps its slots: change them with `envseal recipients add/remove`')
            [CompletionResult]::new('--ssh', '--ssh', [CompletionResultType]::ParameterName, 'For a NEW output: a slot for this OpenSSH public key (`ssh-ed25519 AAAA...` or a .pub file; `NAME=...` names it). Repeatable')
            [CompletionResult]::new('--aws-kms', '--aws-kms', [CompletionResultType]::ParameterName, 'For a NEW output: a slot for this AWS KMS key (key ARN or alias ARN; wrapping needs kms:Encrypt on it). Repeatable')
            [CompletionResult]::new('--ledger', '--ledger', [CompletionResultType]::ParameterName, 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]')
            [CompletionResult]::new('--stdout', '--stdout', [CompletionResultType]::ParameterName, 'Write the encrypted file to stdout')
            [CompletionResult]::new('--encrypt-comments', '--encrypt-comments', [CompletionResultType]::ParameterName, 'Encrypt every comment too (by default only comments that read like assignments, such as #OLD_PASSWORD=..., are encrypted)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite an output that is not this file under this key (other key, other format, not encrypted) without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Overwrite an output that is not this file under this key (other key, other format, not encrypted) without asking')
            [CompletionResult]::new('--master', '--master', [CompletionResultType]::ParameterName, 'With --age/--ssh/--aws-kms: also write a master-key slot (the master key from the usual sources)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'envseal;decrypt' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Same as FILE (legacy name). `-f` means `--file` in every command; `--force` has no short form')
            [CompletionResult]::new('--encrypted-path', '--encrypted-path', [CompletionResultType]::ParameterName, 'Same as FILE (legacy name). `-f` means `--file` in every command; `--force` has no short form')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Same as FILE (legacy name). `-f` means `--file` in every command; `--force` has no short form')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Where to write [default: FILE without .encrypted]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Where to write [default: FILE without .encrypted]')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Read the master key from this file')
            [CompletionResult]::new('--key-id', '--key-id', [CompletionResultType]::ParameterName, 'Use this key from the keyring (sha256:...)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'An age identity file or an unencrypted OpenSSH private key that opens the file''s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)')
            [CompletionResult]::new('--ledger', '--ledger', [CompletionResultType]::ParameterName, 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]')
            [CompletionResult]::new('--stdout', '--stdout', [CompletionResultType]::ParameterName, 'Write the plaintext to stdout instead of a file')
            [CompletionResult]::new('--textconv', '--textconv', [CompletionResultType]::ParameterName, 'For git''s textconv, showing PLAINTEXT values (opt-in; `envseal mask --textconv` shows masked ones): FILE to stdout, never a prompt, every key at hand tried by key id, and a file no key at hand opens shown as it is (exit 0). Beware: `git commit -v` then writes decrypted values into .git/COMMIT_EDITMSG')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace an existing, different output without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Replace an existing, different output without asking')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'envseal;rotate' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (recorded in the ledger)')
            [CompletionResult]::new('--new-key-file', '--new-key-file', [CompletionResultType]::ParameterName, 'Save the new key to this file (mode 0600) instead of the keyring')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Read the master key from this file')
            [CompletionResult]::new('--key-id', '--key-id', [CompletionResultType]::ParameterName, 'Use this key from the keyring (sha256:...)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'An age identity file or an unencrypted OpenSSH private key that opens the file''s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)')
            [CompletionResult]::new('--ledger', '--ledger', [CompletionResultType]::ParameterName, 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]')
            [CompletionResult]::new('--no-backup', '--no-backup', [CompletionResultType]::ParameterName, 'Do not keep FILE.backup_<time> copies of the old encrypted files')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed without a terminal)')
            [CompletionResult]::new('--resume', '--resume', [CompletionResultType]::ParameterName, 'Finish the unfinished rotation the ledger shows')
            [CompletionResult]::new('--abort', '--abort', [CompletionResultType]::ParameterName, 'Undo the unfinished rotation: every file back under the old key (from the backups where they match)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the outcome as JSON on stdout')
            [CompletionResult]::new('--recurse-submodules', '--recurse-submodules', [CompletionResultType]::ParameterName, 'Also rotate the encrypted files of git submodules (other repositories; by default the project stops at a submodule''s boundary)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'envseal;status' {
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'How many history rows (rotations and recipient changes together)')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Read the master key from this file')
            [CompletionResult]::new('--key-id', '--key-id', [CompletionResultType]::ParameterName, 'Use this key from the keyring (sha256:...)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'An age identity file or an unencrypted OpenSSH private key that opens the file''s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)')
            [CompletionResult]::new('--ledger', '--ledger', [CompletionResultType]::ParameterName, 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Exit 1 when a file is stale, corrupt or edited by hand, a key is overdue, a plaintext env file is tracked by git or not ignored by it, a rotation is unfinished, or a file lacks the secret slot its creation rule requires (require_secret_slot); print one line per problem')
            [CompletionResult]::new('--history', '--history', [CompletionResultType]::ParameterName, 'Show the rotation history from the ledger, newest first, with the key-slot (recipient) changes merged in by time')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output (schema in the README)')
            [CompletionResult]::new('--recurse-submodules', '--recurse-submodules', [CompletionResultType]::ParameterName, 'Also look into git submodules (by default the project stops at a submodule''s boundary: its files belong to another repository)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'envseal;mask' {
            [CompletionResult]::new('--secrets', '--secrets', [CompletionResultType]::ParameterName, 'Where the secret values come from (.env or .env.encrypted; repeatable). With --check it defaults to the project''s env files')
            [CompletionResult]::new('--min-len', '--min-len', [CompletionResultType]::ParameterName, 'Values shorter than this many bytes are not treated as secrets (true, 1, ...)')
            [CompletionResult]::new('--dialect', '--dialect', [CompletionResultType]::ParameterName, 'Whose reading of the --secrets files gives the values to mask (filter, --check): python, node or dotenvy [default: `dialect` in .envseal/config.toml, else python]. The view masks the file''s text as written, whatever the dialect')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Read the master key from this file')
            [CompletionResult]::new('--key-id', '--key-id', [CompletionResultType]::ParameterName, 'Use this key from the keyring (sha256:...)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'An age identity file or an unencrypted OpenSSH private key that opens the file''s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)')
            [CompletionResult]::new('--ledger', '--ledger', [CompletionResultType]::ParameterName, 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Mask every value, not only the sensitive ones (view)')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Search for secret values instead of printing; exit 1 on a hit')
            [CompletionResult]::new('--staged', '--staged', [CompletionResultType]::ParameterName, 'With --check: search the content staged in git (for a pre-commit hook)')
            [CompletionResult]::new('--all-values', '--all-values', [CompletionResultType]::ParameterName, 'With --check: look for every value of the secrets files, not only the values of sensitive names, URL passwords and lines that are not assignments')
            [CompletionResult]::new('--named', '--named', [CompletionResultType]::ParameterName, 'Replace with [MASKED:KEY_NAME] instead of ***')
            [CompletionResult]::new('--textconv', '--textconv', [CompletionResultType]::ParameterName, 'For git''s textconv (diff.envseal.textconv "envseal mask --textconv"): the masked view of FILE, never a prompt; every key at hand is tried by key id, and a file no key at hand opens is shown as it is (exit 0), so `git log -p` never breaks')
            [CompletionResult]::new('--line-buffered', '--line-buffered', [CompletionResultType]::ParameterName, 'Flush each line as soon as it is complete (automatic when stdout is a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'envseal;hook' {
            [CompletionResult]::new('--ledger', '--ledger', [CompletionResultType]::ParameterName, 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Add the envseal block to the repository''s pre-commit and pre-merge-commit hooks')
            [CompletionResult]::new('uninstall', 'uninstall', [CompletionResultType]::ParameterValue, 'Remove the envseal block (and a hook file if nothing else is in it)')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Check the staged content (what the hook runs)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'envseal;hook;install' {
            [CompletionResult]::new('--ledger', '--ledger', [CompletionResultType]::ParameterName, 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'envseal;hook;uninstall' {
            [CompletionResult]::new('--ledger', '--ledger', [CompletionResultType]::ParameterName, 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'envseal;hook;run' {
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Read the master key from this file')
            [CompletionResult]::new('--key-id', '--key-id', [CompletionResultType]::ParameterName, 'Use this key from the keyring (sha256:...)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'An age identity file or an unencrypted OpenSSH private key that opens the file''s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)')
            [CompletionResult]::new('--ledger', '--ledger', [CompletionResultType]::ParameterName, 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]')
            [CompletionResult]::new('--no-leak-check', '--no-leak-check', [CompletionResultType]::ParameterName, 'Skip the secret-value leak check (plaintext and stale checks only)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'envseal;hook;help' {
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Add the envseal block to the repository''s pre-commit and pre-merge-commit hooks')
            [CompletionResult]::new('uninstall', 'uninstall', [CompletionResultType]::ParameterValue, 'Remove the envseal block (and a hook file if nothing else is in it)')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Check the staged content (what the hook runs)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'envseal;hook;help;install' {
            break
        }
        'envseal;hook;help;uninstall' {
            break
        }
        'envseal;hook;help;run' {
            break
        }
        'envseal;hook;help;help' {
            break
        }
        'envseal;run' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The encrypted file [default: .env.encrypted]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The encrypted file [default: .env.encrypted]')
            [CompletionResult]::new('--dialect', '--dialect', [CompletionResultType]::ParameterName, 'Whose reading gives the values: python, node or dotenvy [default: `dialect` in .envseal/config.toml, else python]')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Read the master key from this file')
            [CompletionResult]::new('--key-id', '--key-id', [CompletionResultType]::ParameterName, 'Use this key from the keyring (sha256:...)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'An age identity file or an unencrypted OpenSSH private key that opens the file''s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)')
            [CompletionResult]::new('--ledger', '--ledger', [CompletionResultType]::ParameterName, 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]')
            [CompletionResult]::new('--override', '--override', [CompletionResultType]::ParameterName, 'Values from the file replace variables already set in the environment')
            [CompletionResult]::new('--expand', '--expand', [CompletionResultType]::ParameterName, 'Expand ${VAR} (the default of the python and dotenvy dialects; kept for scripts written when expansion was opt-in)')
            [CompletionResult]::new('--no-expand', '--no-expand', [CompletionResultType]::ParameterName, 'Keep ${VAR} as written (python dialect: python-dotenv''s interpolate=False)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'envseal;edit' {
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Read the master key from this file')
            [CompletionResult]::new('--key-id', '--key-id', [CompletionResultType]::ParameterName, 'Use this key from the keyring (sha256:...)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'An age identity file or an unencrypted OpenSSH private key that opens the file''s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)')
            [CompletionResult]::new('--ledger', '--ledger', [CompletionResultType]::ParameterName, 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'envseal;set' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The encrypted file [default: .env.encrypted]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The encrypted file [default: .env.encrypted]')
            [CompletionResult]::new('--after', '--after', [CompletionResultType]::ParameterName, 'Put a new key after this one (a key that exists stays where it is)')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Read the master key from this file')
            [CompletionResult]::new('--key-id', '--key-id', [CompletionResultType]::ParameterName, 'Use this key from the keyring (sha256:...)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'An age identity file or an unencrypted OpenSSH private key that opens the file''s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)')
            [CompletionResult]::new('--ledger', '--ledger', [CompletionResultType]::ParameterName, 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]')
            [CompletionResult]::new('--from-file', '--from-file', [CompletionResultType]::ParameterName, 'Read the value from the file PATH, byte for byte (a final newline is kept)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'envseal;unset' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The encrypted file [default: .env.encrypted]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The encrypted file [default: .env.encrypted]')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Read the master key from this file')
            [CompletionResult]::new('--key-id', '--key-id', [CompletionResultType]::ParameterName, 'Use this key from the keyring (sha256:...)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'An age identity file or an unencrypted OpenSSH private key that opens the file''s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)')
            [CompletionResult]::new('--ledger', '--ledger', [CompletionResultType]::ParameterName, 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'envseal;get' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The encrypted file [default: .env.encrypted]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The encrypted file [default: .env.encrypted]')
            [CompletionResult]::new('--dialect', '--dialect', [CompletionResultType]::ParameterName, 'Whose reading gives the values: python, node or dotenvy [default: `dialect` in .envseal/config.toml, else python] (README, "Dialects")')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Read the master key from this file')
            [CompletionResult]::new('--key-id', '--key-id', [CompletionResultType]::ParameterName, 'Use this key from the keyring (sha256:...)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'An age identity file or an unencrypted OpenSSH private key that opens the file''s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)')
            [CompletionResult]::new('--ledger', '--ledger', [CompletionResultType]::ParameterName, 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print {"key": ..., "value": ...} and a newline')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Print on a terminal without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Print on a terminal without asking')
            [CompletionResult]::new('--no-expand', '--no-expand', [CompletionResultType]::ParameterName, 'Keep ${VAR} as written (python dialect: python-dotenv''s interpolate=False)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'envseal;export' {
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'The output format')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The encrypted file [default: .env.encrypted]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The encrypted file [default: .env.encrypted]')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'k8s: the Secret''s name [default: from the file name, e.g. env-production]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'k8s: the Secret''s namespace [default: none, kubectl''s current one]')
            [CompletionResult]::new('--dialect', '--dialect', [CompletionResultType]::ParameterName, 'Whose reading gives the values: python, node or dotenvy [default: `dialect` in .envseal/config.toml, else python] (README, "Dialects")')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Read the master key from this file')
            [CompletionResult]::new('--key-id', '--key-id', [CompletionResultType]::ParameterName, 'Use this key from the keyring (sha256:...)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'An age identity file or an unencrypted OpenSSH private key that opens the file''s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)')
            [CompletionResult]::new('--ledger', '--ledger', [CompletionResultType]::ParameterName, 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Write to a terminal without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Write to a terminal without asking')
            [CompletionResult]::new('--no-expand', '--no-expand', [CompletionResultType]::ParameterName, 'Keep ${VAR} as written (python dialect: python-dotenv''s interpolate=False)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'envseal;key' {
            [CompletionResult]::new('--ledger', '--ledger', [CompletionResultType]::ParameterName, 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Save a key (from FILE, or `-` for stdin; hidden prompt on a terminal) into the keyring as <id>.key, mode 0600; prints its key id')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the keyring''s keys: key id, when its file was written, file. Never the key')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'envseal;key;import' {
            [CompletionResult]::new('--ledger', '--ledger', [CompletionResultType]::ParameterName, 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'envseal;key;list' {
            [CompletionResult]::new('--ledger', '--ledger', [CompletionResultType]::ParameterName, 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON: `{"schema": 1, "keys": [{"id", "file", "created"}]}` (`created`: when the key file was written, RFC 3339 UTC)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'envseal;key;help' {
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Save a key (from FILE, or `-` for stdin; hidden prompt on a terminal) into the keyring as <id>.key, mode 0600; prints its key id')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the keyring''s keys: key id, when its file was written, file. Never the key')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'envseal;key;help;import' {
            break
        }
        'envseal;key;help;list' {
            break
        }
        'envseal;key;help;help' {
            break
        }
        'envseal;completions' {
            [CompletionResult]::new('--ledger', '--ledger', [CompletionResultType]::ParameterName, 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'envseal;sync' {
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Read the master key from this file')
            [CompletionResult]::new('--key-id', '--key-id', [CompletionResultType]::ParameterName, 'Use this key from the keyring (sha256:...)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'An age identity file or an unencrypted OpenSSH private key that opens the file''s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)')
            [CompletionResult]::new('--ledger', '--ledger', [CompletionResultType]::ParameterName, 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'envseal;merge' {
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Read the master key from this file')
            [CompletionResult]::new('--key-id', '--key-id', [CompletionResultType]::ParameterName, 'Use this key from the keyring (sha256:...)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'An age identity file or an unencrypted OpenSSH private key that opens the file''s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)')
            [CompletionResult]::new('--ledger', '--ledger', [CompletionResultType]::ParameterName, 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'envseal;recipients' {
            [CompletionResult]::new('--ledger', '--ledger', [CompletionResultType]::ParameterName, 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Wrap each file''s existing data key for one more recipient (needs a key that opens the file). A recipient already there is left as it is')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List each file''s key slots: kind, key id, name, public form, created. Needs no key')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a recipient: a new data key, every value encrypted again, the other slots re-wrapped. Then rotate the values it names at their providers: git history stays readable to the removed person')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'envseal;recipients;add' {
            [CompletionResult]::new('--age', '--age', [CompletionResultType]::ParameterName, 'An age recipient (age1...)')
            [CompletionResult]::new('--ssh', '--ssh', [CompletionResultType]::ParameterName, 'An OpenSSH public key (`ssh-ed25519 AAAA...`) or a .pub file')
            [CompletionResult]::new('--aws-kms', '--aws-kms', [CompletionResultType]::ParameterName, 'An AWS KMS key ARN or alias ARN (needs kms:Encrypt on it)')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'A name for the slot (letters, digits, `.`, `_`, `-`, `@`), shown by `list` and accepted by `remove`. Not for --aws-kms (its ARN names it)')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Read the master key from this file')
            [CompletionResult]::new('--key-id', '--key-id', [CompletionResultType]::ParameterName, 'Use this key from the keyring (sha256:...)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'An age identity file or an unencrypted OpenSSH private key that opens the file''s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)')
            [CompletionResult]::new('--ledger', '--ledger', [CompletionResultType]::ParameterName, 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'envseal;recipients;list' {
            [CompletionResult]::new('--ledger', '--ledger', [CompletionResultType]::ParameterName, 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (schema in the README, "Team keys")')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'envseal;recipients;remove' {
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Read the master key from this file')
            [CompletionResult]::new('--key-id', '--key-id', [CompletionResultType]::ParameterName, 'Use this key from the keyring (sha256:...)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'An age identity file or an unencrypted OpenSSH private key that opens the file''s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)')
            [CompletionResult]::new('--ledger', '--ledger', [CompletionResultType]::ParameterName, 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed without a terminal)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed without a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'envseal;recipients;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Wrap each file''s existing data key for one more recipient (needs a key that opens the file). A recipient already there is left as it is')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List each file''s key slots: kind, key id, name, public form, created. Needs no key')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a recipient: a new data key, every value encrypted again, the other slots re-wrapped. Then rotate the values it names at their providers: git history stays readable to the removed person')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'envseal;recipients;help;add' {
            break
        }
        'envseal;recipients;help;list' {
            break
        }
        'envseal;recipients;help;remove' {
            break
        }
        'envseal;recipients;help;help' {
            break
        }
        'envseal;updatekeys' {
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Read the master key from this file')
            [CompletionResult]::new('--key-id', '--key-id', [CompletionResultType]::ParameterName, 'Use this key from the keyring (sha256:...)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'An age identity file or an unencrypted OpenSSH private key that opens the file''s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)')
            [CompletionResult]::new('--ledger', '--ledger', [CompletionResultType]::ParameterName, 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed without a terminal)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed without a terminal)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan and change nothing')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done (never secrets)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'envseal;help' {
            [CompletionResult]::new('generate-key', 'generate-key', [CompletionResultType]::ParameterValue, 'Generate a new master key (32 random bytes from the OS), or with --age an age identity')
            [CompletionResult]::new('encrypt', 'encrypt', [CompletionResultType]::ParameterValue, 'Encrypt a .env file into a committable .env.encrypted')
            [CompletionResult]::new('decrypt', 'decrypt', [CompletionResultType]::ParameterValue, 'Decrypt an encrypted file (v1 or Fernet, told apart by content)')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Rotate the master key: re-encrypt every file under the current key with a new one')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the project''s encrypted files, key ages, due rotations and problems')
            [CompletionResult]::new('mask', 'mask', [CompletionResultType]::ParameterValue, 'Mask secrets: a masked view of a .env file, a streaming filter, or a leak check')
            [CompletionResult]::new('hook', 'hook', [CompletionResultType]::ParameterValue, 'Install, remove or run the git hooks (pre-commit and pre-merge-commit)')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run a command with the decrypted variables in its environment; nothing is written to disk')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Edit an encrypted file in $VISUAL / $EDITOR and re-encrypt it on save')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Set one value in an encrypted file, in place; the value never goes on the command line')
            [CompletionResult]::new('unset', 'unset', [CompletionResultType]::ParameterValue, 'Remove one key from an encrypted file, in place')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Print one decrypted value, raw (no newline added), on stdout')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write the decrypted variables to stdout in a format another tool reads')
            [CompletionResult]::new('key', 'key', [CompletionResultType]::ParameterValue, 'Manage the keyring: import a key someone gave you, list the keys you hold')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script (also committed under completions/)')
            [CompletionResult]::new('sync', 'sync', [CompletionResultType]::ParameterValue, 'Reconcile a .env file and its encrypted file when both changed since the last sync')
            [CompletionResult]::new('merge', 'merge', [CompletionResultType]::ParameterValue, 'Git merge driver: merge three versions of an encrypted file key by key')
            [CompletionResult]::new('recipients', 'recipients', [CompletionResultType]::ParameterValue, 'Manage who can decrypt: the key slots of encrypted v1 files')
            [CompletionResult]::new('updatekeys', 'updatekeys', [CompletionResultType]::ParameterValue, 'Make each file''s key slots match its [[creation_rules]] rule in .envseal/config.toml')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'envseal;help;generate-key' {
            break
        }
        'envseal;help;encrypt' {
            break
        }
        'envseal;help;decrypt' {
            break
        }
        'envseal;help;rotate' {
            break
        }
        'envseal;help;status' {
            break
        }
        'envseal;help;mask' {
            break
        }
        'envseal;help;hook' {
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Add the envseal block to the repository''s pre-commit and pre-merge-commit hooks')
            [CompletionResult]::new('uninstall', 'uninstall', [CompletionResultType]::ParameterValue, 'Remove the envseal block (and a hook file if nothing else is in it)')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Check the staged content (what the hook runs)')
            break
        }
        'envseal;help;hook;install' {
            break
        }
        'envseal;help;hook;uninstall' {
            break
        }
        'envseal;help;hook;run' {
            break
        }
        'envseal;help;run' {
            break
        }
        'envseal;help;edit' {
            break
        }
        'envseal;help;set' {
            break
        }
        'envseal;help;unset' {
            break
        }
        'envseal;help;get' {
            break
        }
        'envseal;help;export' {
            break
        }
        'envseal;help;key' {
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Save a key (from FILE, or `-` for stdin; hidden prompt on a terminal) into the keyring as <id>.key, mode 0600; prints its key id')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the keyring''s keys: key id, when its file was written, file. Never the key')
            break
        }
        'envseal;help;key;import' {
            break
        }
        'envseal;help;key;list' {
            break
        }
        'envseal;help;completions' {
            break
        }
        'envseal;help;sync' {
            break
        }
        'envseal;help;merge' {
            break
        }
        'envseal;help;recipients' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Wrap each file''s existing data key for one more recipient (needs a key that opens the file). A recipient already there is left as it is')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List each file''s key slots: kind, key id, name, public form, created. Needs no key')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a recipient: a new data key, every value encrypted again, the other slots re-wrapped. Then rotate the values it names at their providers: git history stays readable to the removed person')
            break
        }
        'envseal;help;recipients;add' {
            break
        }
        'envseal;help;recipients;list' {
            break
        }
        'envseal;help;recipients;remove' {
            break
        }
        'envseal;help;updatekeys' {
            break
        }
        'envseal;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
