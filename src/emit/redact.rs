//! A last line of defence: no line that looks like a credential is ever printed.
//!
//! Secret values never reach the output tree (platc writes only Secret names), so this should
//! never fire; if it does, the rest of the line from the token on is masked, and so is every
//! line of a PEM block.

/// A token prefix, the characters that may follow it, and how many of them at least.
type Token = (&'static str, fn(u8) -> bool, usize);

const TOKENS: &[Token] = &[
    ("ghp_", alnum, 20),
    ("gho_", alnum, 20),
    ("ghu_", alnum, 20),
    ("ghs_", alnum, 20),
    ("ghr_", alnum, 20),
    ("github_pat_", word, 20),
    ("glpat-", slug, 20),
    ("xoxb-", slug, 8),
    ("xoxp-", slug, 8),
    ("xoxa-", slug, 8),
    ("xoxr-", slug, 8),
    ("xoxs-", slug, 8),
    ("xapp-", slug, 8),
    ("AKIA", upper_digit, 16),
    ("ASIA", upper_digit, 16),
    ("AIza", slug, 30),
    ("sk_live_", alnum, 16),
    ("rk_live_", alnum, 16),
    ("-----BEGIN", any, 0),
];

const MASK: &str = "[masked by platc]";

/// Masks credential-looking text in every line of `text`, keeping line breaks.
pub fn mask_secrets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_pem = false;
    for line in text.split_inclusive('\n') {
        let (body, end) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        if in_pem {
            in_pem = !body.contains("-----END");
            if in_pem {
                let keep = body.len() - body.trim_start_matches(['+', '-', ' ', '\t']).len();
                out.push_str(&body[..keep]);
                out.push_str(MASK);
                out.push_str(end);
                continue;
            }
        }
        match find_token(body) {
            Some((at, prefix)) => {
                in_pem = prefix == "-----BEGIN" && !body[at..].contains("-----END");
                out.push_str(&body[..at]);
                out.push_str(prefix);
                out.push_str(MASK);
            }
            None => out.push_str(body),
        }
        out.push_str(end);
    }
    out
}

/// The byte offset and prefix of the first token in `line`.
fn find_token(line: &str) -> Option<(usize, &'static str)> {
    let bytes = line.as_bytes();
    TOKENS
        .iter()
        .flat_map(|&(prefix, allowed, min)| {
            line.match_indices(prefix).filter_map(move |(at, _)| {
                let boundary = at == 0 || !bytes[at - 1].is_ascii_alphanumeric();
                let run = bytes[at + prefix.len()..]
                    .iter()
                    .take_while(|b| allowed(**b))
                    .count();
                (boundary && run >= min).then_some((at, prefix))
            })
        })
        .min_by_key(|(at, _)| *at)
}

fn alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

fn word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn slug(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

fn upper_digit(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit()
}

fn any(_: u8) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::mask_secrets;

    #[test]
    fn masks_tokens_and_pem_blocks() {
        let text = "+token: ghp_abcdefghijklmnopqrstuvwxyz0123\n key: AKIAABCDEFGHIJKLMNOP\n+-----BEGIN PRIVATE KEY-----\n+MIIEvQIBADANBg\n+-----END PRIVATE KEY-----\n name: keep\n";
        let masked = mask_secrets(text);
        assert_eq!(
            masked,
            "+token: ghp_[masked by platc]\n key: AKIA[masked by platc]\n+-----BEGIN[masked by platc]\n+[masked by platc]\n+-----END PRIVATE KEY-----\n name: keep\n"
        );
    }

    #[test]
    fn leaves_ordinary_text_alone() {
        let text = "image: airflow\nTAKIAXXXXXXXXXXXXXXXXXX\nsecretName: ghp_short\n";
        assert_eq!(mask_secrets(text), text);
    }
}
