//! Splitting a shell input line into commands and pipeline stages, the way the labels count
//! them: commands are split on `;` and newlines outside quotes; a command's stages are split on
//! `|`, `||`, `&&` and `&` outside quotes; a stage's program is its first word.
//!
//! This is a tokenizer for counting, not the shell's parser: it never fails and never panics,
//! whatever the input.

/// One pipeline stage: its words as written (quotes removed) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// The stage's text, trimmed, as typed.
    text: String,
    /// Its words with quotes and backslashes removed.
    words: Vec<String>,
    /// Where the program's name is: word index and byte range in that word (found once,
    /// when the stage is made; the labels ask for it many times per line).
    program: Option<(usize, usize, usize)>,
}

impl Stage {
    /// A stage of `text` made of `words`.
    pub fn new(text: String, words: Vec<String>) -> Stage {
        let program = find_program(&words);
        Stage {
            text,
            words,
            program,
        }
    }

    /// The stage's text, trimmed, as typed.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Its words with quotes and backslashes removed.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// The program the stage runs: the first word that is not a variable assignment, without
    /// its directory (`/bin/busybox` → `busybox`); `sudo`, `nohup` and `busybox <applet>` give
    /// way to the program they run. Empty when the stage has none.
    pub fn program(&self) -> &str {
        self.program
            .and_then(|(i, start, end)| self.words.get(i)?.get(start..end))
            .unwrap_or("")
    }

    /// The words after the program.
    pub fn args(&self) -> &[String] {
        let at = self.program.map_or(self.words.len(), |(i, ..)| i + 1);
        self.words.get(at..).unwrap_or_default()
    }
}

/// Where the program's name is in `words` (see [`Stage::program`]).
fn find_program(words: &[String]) -> Option<(usize, usize, usize)> {
    let mut candidates = words
        .iter()
        .map(|w| (w.len(), w.trim_start_matches(['(', '{', '!'])))
        .enumerate()
        .filter(|(_, (_, w))| !w.is_empty() && !is_redirection(w))
        .skip_while(|(_, (_, w))| is_assignment(w))
        .peekable();
    let mut after_wrapper = false;
    while let Some((i, (full, word))) = candidates.next() {
        if after_wrapper && word.starts_with('-') {
            continue; // `sudo -S id`
        }
        let name = word.rsplit('/').next().unwrap_or(word);
        let wrapper = matches!(name, "sudo" | "nohup" | "exec" | "command" | "time")
            || (name == "busybox"
                && candidates.peek().is_some_and(|(_, (_, applet))| {
                    applet.chars().all(|c| c.is_ascii_lowercase() || c == '-')
                }));
        if !wrapper {
            // `name` ends the word: it is the word's last `name.len()` bytes.
            return Some((i, full - name.len(), full));
        }
        after_wrapper = true;
    }
    None
}

/// One command: the stages of a pipeline or `&&`/`||` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The command's text, trimmed, as typed.
    pub text: String,
    /// Its stages, in order.
    pub stages: Vec<Stage>,
}

/// `2>/dev/null`, `>file`, `<in`: a redirection before the program.
fn is_redirection(word: &str) -> bool {
    word.trim_start_matches(|c: char| c.is_ascii_digit() || c == '&')
        .starts_with(['>', '<'])
}

fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit())
    })
}

/// What separates two pieces of input.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cut {
    /// `;` or a newline: a new command.
    Command,
    /// `|`, `||`, `&&`, `&`: a new stage of the same command.
    Stage,
}

/// The commands of one input line; empty commands and stages are left out.
pub fn split(line: &str) -> Vec<Command> {
    let mut commands = Vec::new();
    let mut stages: Vec<Stage> = Vec::new();
    let mut command_text = String::new();
    let mut text = String::new();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    // Open `$(` substitutions: nothing inside one cuts the command.
    let mut nested = 0usize;
    let mut chars = line.chars().peekable();
    let end_stage =
        |text: &mut String, words: &mut Vec<String>, word: &mut String, in_word: &mut bool| {
            if *in_word {
                words.push(std::mem::take(word));
                *in_word = false;
            }
            let stage = Stage::new(text.trim().to_owned(), std::mem::take(words));
            text.clear();
            stage
        };
    while let Some(c) = chars.next() {
        let mut cut = None;
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                in_word = true;
            }
            (Some('"'), '\\') => match chars.peek() {
                Some(&next @ ('"' | '\\' | '$' | '`')) => {
                    chars.next();
                    text.push(c);
                    text.push(next);
                    command_text.push(c);
                    command_text.push(next);
                    word.push(next);
                    continue;
                }
                _ => word.push(c),
            },
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '\\') => {
                if let Some(next) = chars.next() {
                    text.push(c);
                    text.push(next);
                    command_text.push(c);
                    command_text.push(next);
                    if next != '\n' {
                        word.push(next);
                        in_word = true;
                    }
                }
                continue;
            }
            (None, '$') if chars.peek() == Some(&'(') => {
                nested += 1;
                word.push(c);
                in_word = true;
            }
            (None, ')') if nested > 0 => {
                nested -= 1;
                word.push(c);
            }
            (None, ';' | '\n' | '|' | '&') if nested > 0 => word.push(c),
            (None, ';' | '\n') => cut = Some(Cut::Command),
            (None, '|') => {
                if chars.peek() == Some(&'|') {
                    chars.next();
                }
                cut = Some(Cut::Stage);
            }
            (None, '&') => {
                if chars.peek() == Some(&'&') {
                    chars.next();
                    cut = Some(Cut::Stage);
                } else if text.ends_with(['>', '<']) || chars.peek() == Some(&'>') {
                    // `2>&1`, `&>file`: a redirection, not a separator.
                    word.push(c);
                    in_word = true;
                } else {
                    cut = Some(Cut::Stage);
                }
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
        match cut {
            None => {
                text.push(c);
                command_text.push(c);
            }
            Some(cut) => {
                let stage = end_stage(&mut text, &mut words, &mut word, &mut in_word);
                if !stage.words.is_empty() {
                    stages.push(stage);
                }
                if cut == Cut::Command {
                    push_command(&mut commands, &mut command_text, &mut stages);
                } else {
                    command_text.push(c);
                }
            }
        }
    }
    let stage = end_stage(&mut text, &mut words, &mut word, &mut in_word);
    if !stage.words.is_empty() {
        stages.push(stage);
    }
    push_command(&mut commands, &mut command_text, &mut stages);
    commands
}

fn push_command(commands: &mut Vec<Command>, text: &mut String, stages: &mut Vec<Stage>) {
    if !stages.is_empty() {
        commands.push(Command {
            text: text.trim().to_owned(),
            stages: std::mem::take(stages),
        });
    }
    text.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn programs(line: &str) -> Vec<Vec<String>> {
        split(line)
            .iter()
            .map(|c| c.stages.iter().map(|s| s.program().to_owned()).collect())
            .collect()
    }

    #[test]
    fn commands_split_on_semicolons_and_newlines_outside_quotes() {
        let commands = split("uname -a; echo 'a;b' \"c;d\"\ncat /proc/cpuinfo;;");
        let texts: Vec<_> = commands.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(
            texts,
            ["uname -a", "echo 'a;b' \"c;d\"", "cat /proc/cpuinfo"]
        );
        assert_eq!(commands[1].stages[0].words, ["echo", "a;b", "c;d"]);
    }

    #[test]
    fn stages_split_on_pipes_and_lists_and_programs_lose_their_directory() {
        assert_eq!(
            programs("cd /tmp || cd /var/run && /usr/bin/wget x | sh 2>&1 &"),
            [["cd", "cd", "wget", "sh"]]
        );
        assert_eq!(
            programs("LANG=C sudo /bin/busybox wget x; /bin/busybox ECCHI"),
            [vec!["wget"], vec!["busybox"]]
        );
        assert_eq!(programs("echo \"a | b\" | passwd"), [["echo", "passwd"]]);
    }

    #[test]
    fn odd_input_never_panics() {
        for line in ["", "\\", "'", "\"\\", "| | ;", "&&&", "é\\é'é", "a\\\nb"] {
            let _ = programs(line);
        }
        assert!(split("  ;  \n ").is_empty());
    }
}
