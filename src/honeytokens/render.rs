//! The files that hold the tokens, written the way the real tools write them: the AWS CLI's
//! credentials file, a Laravel `.env`, `wp-config.php`, a `mysqldump`, a `.bash_history`, an
//! OpenSSH key pair, a `.git/config`.
//!
//! Everything that is not a token (salts, `APP_KEY`, dates, names) comes from the host
//! profile's seed, so the files are the same after a restart.

use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use super::token::{Secret, Token};
use crate::host::HostProfile;

/// Characters of WordPress salts.
const SALT: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*()-_=+[]{}<>~|;:,.?/";

/// What the files are written for: the host and where beacon URLs point.
pub struct Scene<'a> {
    /// The fake host.
    pub host: &'a HostProfile,
    /// `host[:port]` written into beacon URLs.
    pub beacon_host: String,
}

impl Scene<'_> {
    /// A generator for filler that is stable per host and `what`.
    fn rng(&self, what: &str) -> StdRng {
        let mut seed = self.host.seed;
        for b in what.bytes() {
            seed = seed.rotate_left(5) ^ u64::from(b);
            seed = seed.wrapping_mul(0x100_0000_01b3);
        }
        StdRng::seed_from_u64(seed)
    }

    /// `n` stable filler characters of `alphabet`.
    fn filler(&self, what: &str, alphabet: &[u8], n: usize) -> String {
        let mut rng = self.rng(what);
        (0..n)
            .map(|_| char::from(alphabet[rng.gen_range(0..alphabet.len())]))
            .collect()
    }

    /// A time `days` before boot, at a stable hour of the day.
    pub fn before_boot(&self, days: i64, what: &str) -> DateTime<Utc> {
        let secs = self.rng(what).gen_range(0..86_400);
        self.host.boot_time - Duration::days(days) + Duration::seconds(secs)
    }

    /// The AWS region the host's tools use.
    pub fn region(&self) -> &'static str {
        [
            "us-east-1",
            "us-east-2",
            "eu-west-1",
            "eu-central-1",
            "us-west-2",
        ]
        .choose(&mut self.rng("region"))
        .copied()
        .unwrap_or("us-east-1")
    }

    /// The full URL of a beacon.
    pub fn url(&self, secret: &Secret) -> String {
        match secret {
            Secret::Beacon { path, query } if query.is_empty() => {
                format!("http://{}{path}", self.beacon_host)
            }
            Secret::Beacon { path, query } => format!("http://{}{path}?{query}", self.beacon_host),
            _ => String::new(),
        }
    }

    /// The name of the nightly database dump in `/var/backups`.
    pub fn dump_name(&self) -> String {
        format!(
            "/var/backups/wordpress-{}.sql",
            self.before_boot(2, "dump").format("%Y-%m-%d")
        )
    }
}

fn aws(token: Option<&Token>) -> (&str, &str) {
    match token.map(|t| &t.secret) {
        Some(Secret::AwsKey {
            access_key_id,
            secret_access_key,
        }) => (access_key_id, secret_access_key),
        _ => ("", ""),
    }
}

fn cred(token: Option<&Token>) -> (&str, &str) {
    match token.map(|t| &t.secret) {
        Some(Secret::Credential { username, password }) => (username, password),
        _ => ("", ""),
    }
}

fn key(token: Option<&Token>) -> &str {
    match token.map(|t| &t.secret) {
        Some(Secret::ApiKey { key }) => key,
        _ => "",
    }
}

/// `~/.aws/credentials` as `aws configure` writes it.
pub fn aws_credentials(token: Option<&Token>) -> String {
    let (id, secret) = aws(token);
    format!("[default]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n")
}

/// `~/.aws/config` as `aws configure` writes it.
pub fn aws_config(scene: &Scene) -> String {
    format!("[default]\nregion = {}\noutput = json\n", scene.region())
}

/// Root's `.bash_history`: an administrator's last days, with a database password, an SSH
/// password, an API key and a beacon URL in it.
pub fn bash_history(
    scene: &Scene,
    ssh: Option<&Token>,
    db: Option<&Token>,
    openai: Option<&Token>,
    beacon: Option<&Token>,
) -> String {
    let (db_user, db_pass) = cred(db);
    let (ssh_user, ssh_pass) = cred(ssh);
    let url = beacon.map(|t| scene.url(&t.secret)).unwrap_or_default();
    let mut rng = scene.rng("history");
    let peer = format!(
        "10.{}.{}.{}",
        rng.gen_range(0..8),
        rng.gen_range(1..40),
        rng.gen_range(2..250)
    );
    let dump = scene.dump_name();
    let openai = key(openai);
    format!(
        "apt update\n\
         apt upgrade -y\n\
         systemctl status nginx\n\
         cd /var/www/html\n\
         ls -la\n\
         nano .env\n\
         php artisan config:cache\n\
         mysql -u {db_user} -p'{db_pass}' -e 'show databases;'\n\
         mysqldump -u {db_user} -p'{db_pass}' wordpress > {dump}\n\
         ls -lh /var/backups/\n\
         sshpass -p '{ssh_pass}' ssh {ssh_user}@{peer}\n\
         sshpass -p '{ssh_pass}' scp {dump} {ssh_user}@{peer}:/srv/backups/\n\
         curl -s https://api.openai.com/v1/models -H \"Authorization: Bearer {openai}\" | head\n\
         wget -q {url} -O /tmp/site-backup.zip\n\
         unzip -l /tmp/site-backup.zip\n\
         rm /tmp/site-backup.zip\n\
         aws s3 ls\n\
         df -h\n\
         free -m\n\
         exit\n"
    )
}

/// A Laravel `.env`: `DB_USERNAME=` / `DB_PASSWORD=`, the AWS key, optionally an OpenAI key
/// and a backup webhook (a beacon).
pub fn dotenv(
    scene: &Scene,
    what: &str,
    db: Option<&Token>,
    aws_token: Option<&Token>,
    openai: Option<&Token>,
    beacon: Option<&Token>,
) -> String {
    let (db_user, db_pass) = cred(db);
    let (id, secret) = aws(aws_token);
    let app_key = scene.filler(&format!("{what}-app-key"), super::token::BASE64, 43);
    let short = scene.host.short_hostname();
    let mut text = format!(
        "APP_NAME=Laravel\nAPP_ENV=production\nAPP_KEY=base64:{app_key}=\nAPP_DEBUG=false\n\
         APP_URL=http://{host}\n\nLOG_CHANNEL=stack\nLOG_LEVEL=error\n\n\
         DB_CONNECTION=mysql\nDB_HOST=127.0.0.1\nDB_PORT=3306\nDB_DATABASE=laravel\n\
         DB_USERNAME={db_user}\nDB_PASSWORD={db_pass}\n\n\
         BROADCAST_DRIVER=log\nCACHE_DRIVER=file\nQUEUE_CONNECTION=sync\nSESSION_DRIVER=file\n\n\
         REDIS_HOST=127.0.0.1\nREDIS_PASSWORD=null\nREDIS_PORT=6379\n\n\
         MAIL_MAILER=smtp\nMAIL_HOST=smtp.mailgun.org\nMAIL_PORT=587\n\n\
         AWS_ACCESS_KEY_ID={id}\nAWS_SECRET_ACCESS_KEY={secret}\nAWS_DEFAULT_REGION={region}\n\
         AWS_BUCKET={short}-backups\n",
        host = scene.beacon_host,
        region = scene.region(),
    );
    if let Some(openai) = openai {
        text.push_str(&format!("\nOPENAI_API_KEY={}\n", key(Some(openai))));
    }
    if let Some(beacon) = beacon {
        text.push_str(&format!(
            "BACKUP_WEBHOOK_URL={}\n",
            scene.url(&beacon.secret)
        ));
    }
    text
}

/// `wp-config.php` with the database credential and the install's salts.
pub fn wp_config(scene: &Scene, db: Option<&Token>) -> String {
    let (user, pass) = cred(db);
    let mut salts = String::new();
    for name in [
        "AUTH_KEY",
        "SECURE_AUTH_KEY",
        "LOGGED_IN_KEY",
        "NONCE_KEY",
        "AUTH_SALT",
        "SECURE_AUTH_SALT",
        "LOGGED_IN_SALT",
        "NONCE_SALT",
    ] {
        let value = scene.filler(name, SALT, 64);
        salts.push_str(&format!(
            "define( '{name}', {:<w$}'{value}' );\n",
            "",
            w = 17 - name.len()
        ));
    }
    format!(
        "<?php\n/**\n * The base configuration for WordPress\n *\n * @package WordPress\n */\n\n\
         // ** Database settings - You can get this info from your web host ** //\n\
         /** The name of the database for WordPress */\ndefine( 'DB_NAME', 'wordpress' );\n\n\
         /** Database username */\ndefine( 'DB_USER', '{user}' );\n\n\
         /** Database password */\ndefine( 'DB_PASSWORD', '{pass}' );\n\n\
         /** Database hostname */\ndefine( 'DB_HOST', 'localhost' );\n\n\
         /** Database charset to use in creating database tables. */\ndefine( 'DB_CHARSET', 'utf8mb4' );\n\n\
         /** The database collate type. Don't change this if in doubt. */\ndefine( 'DB_COLLATE', '' );\n\n\
         /**#@+\n * Authentication unique keys and salts.\n */\n{salts}\n/**#@-*/\n\n\
         $table_prefix = 'wp_';\n\ndefine( 'WP_DEBUG', false );\n\n\
         /* That's all, stop editing! Happy publishing. */\n\n\
         /** Absolute path to the WordPress directory. */\n\
         if ( ! defined( 'ABSPATH' ) ) {{\n\tdefine( 'ABSPATH', __DIR__ . '/' );\n}}\n\n\
         /** Sets up WordPress vars and included files. */\nrequire_once ABSPATH . 'wp-settings.php';\n"
    )
}

/// A `mysqldump` of the WordPress database: an admin table with a plain-text password (a
/// custom plugin's) and the options table with a backup download URL (a beacon).
pub fn sql_dump(scene: &Scene, admin: Option<&Token>, beacon: Option<&Token>) -> String {
    let (user, pass) = cred(admin);
    let url = beacon.map(|t| scene.url(&t.secret)).unwrap_or_default();
    let done = scene.before_boot(2, "dump");
    let created = scene
        .before_boot(400, "admin-created")
        .format("%Y-%m-%d %H:%M:%S");
    let site = format!("http://{}", scene.beacon_host);
    format!(
        "-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)\n--\n\
         -- Host: localhost    Database: wordpress\n\
         -- ------------------------------------------------------\n\
         -- Server version\t8.0.36-0ubuntu0.22.04.1\n\n\
         /*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\n\
         /*!50503 SET NAMES utf8mb4 */;\n\
         /*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;\n\n\
         --\n-- Table structure for table `wp_backup_admins`\n--\n\n\
         DROP TABLE IF EXISTS `wp_backup_admins`;\n\
         CREATE TABLE `wp_backup_admins` (\n  `id` int unsigned NOT NULL AUTO_INCREMENT,\n\
         \x20 `login` varchar(60) NOT NULL,\n  `email` varchar(100) NOT NULL,\n\
         \x20 `password` varchar(255) NOT NULL,\n  `created` datetime NOT NULL,\n\
         \x20 PRIMARY KEY (`id`)\n) ENGINE=InnoDB AUTO_INCREMENT=2 DEFAULT CHARSET=utf8mb4;\n\n\
         LOCK TABLES `wp_backup_admins` WRITE;\n\
         INSERT INTO `wp_backup_admins` VALUES (1,'{user}','{user}@{host}','{pass}','{created}');\n\
         UNLOCK TABLES;\n\n\
         --\n-- Table structure for table `wp_options`\n--\n\n\
         DROP TABLE IF EXISTS `wp_options`;\n\
         CREATE TABLE `wp_options` (\n  `option_id` bigint unsigned NOT NULL AUTO_INCREMENT,\n\
         \x20 `option_name` varchar(191) NOT NULL DEFAULT '',\n  `option_value` longtext NOT NULL,\n\
         \x20 `autoload` varchar(20) NOT NULL DEFAULT 'yes',\n  PRIMARY KEY (`option_id`)\n\
         ) ENGINE=InnoDB AUTO_INCREMENT=4 DEFAULT CHARSET=utf8mb4;\n\n\
         LOCK TABLES `wp_options` WRITE;\n\
         INSERT INTO `wp_options` VALUES (1,'siteurl','{site}','yes'),(2,'home','{site}','yes'),\
         (3,'backup_download_url','{url}','no');\n\
         UNLOCK TABLES;\n\n\
         /*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;\n\n\
         -- Dump completed on {done}\n",
        host = scene.host.hostname,
        done = done.format("%Y-%m-%d %H:%M:%S"),
    )
}

/// A `config.php.bak` an editor left behind: the database credential.
pub fn config_php_bak(db: Option<&Token>) -> String {
    let (user, pass) = cred(db);
    format!(
        "<?php\n// Database configuration\n$db_host = 'localhost';\n$db_name = 'app_production';\n\
         $db_user = '{user}';\n$db_pass = '{pass}';\n$db_charset = 'utf8mb4';\n\n\
         $dsn = \"mysql:host=$db_host;dbname=$db_name;charset=$db_charset\";\n\
         $pdo = new PDO($dsn, $db_user, $db_pass, [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]);\n"
    )
}

/// A repository's `.git/config` whose remote URL carries a GitHub token as its password.
pub fn git_config(scene: &Scene, github: Option<&Token>) -> String {
    let token = key(github);
    let org = scene.host.short_hostname().replace(['.', '_'], "-");
    format!(
        "[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n\
         \tlogallrefupdates = true\n[remote \"origin\"]\n\
         \turl = https://deploy-bot:{token}@github.com/{org}/website.git\n\
         \tfetch = +refs/heads/*:refs/remotes/origin/*\n[branch \"main\"]\n\
         \tremote = origin\n\tmerge = refs/heads/main\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::honeytokens::token;

    fn scene(host: &HostProfile) -> Scene<'_> {
        Scene {
            host,
            beacon_host: "203.0.113.7".into(),
        }
    }

    fn parse_ini(text: &str) -> Vec<(String, String, String)> {
        let mut section = String::new();
        let mut out = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = name.to_owned();
            } else if let Some((k, v)) = line.split_once('=') {
                out.push((section.clone(), k.trim().to_owned(), v.trim().to_owned()));
            }
        }
        out
    }

    #[test]
    fn aws_credentials_file_is_in_the_aws_cli_format() {
        let t = Token {
            id: "aws-root-credentials".into(),
            kind: "aws_key".into(),
            placement: "/root/.aws/credentials".into(),
            secret: token::aws_key(),
        };
        let text = aws_credentials(Some(&t));
        let entries = parse_ini(&text);
        let Secret::AwsKey {
            access_key_id,
            secret_access_key,
        } = &t.secret
        else {
            unreachable!()
        };
        assert_eq!(
            entries,
            vec![
                (
                    "default".into(),
                    "aws_access_key_id".into(),
                    access_key_id.clone()
                ),
                (
                    "default".into(),
                    "aws_secret_access_key".into(),
                    secret_access_key.clone()
                ),
            ]
        );
    }

    #[test]
    fn filler_is_stable_per_host_and_files_hold_their_tokens() {
        let host = HostProfile::generate(7);
        let s = scene(&host);
        let db = Token {
            id: "env-app-db".into(),
            kind: "db_password".into(),
            placement: "/var/www/html/.env".into(),
            secret: token::credential("laravel"),
        };
        let a = dotenv(&s, "fs", Some(&db), None, None, None);
        let b = dotenv(&s, "fs", Some(&db), None, None, None);
        assert_eq!(a, b);
        let Secret::Credential { password, .. } = &db.secret else {
            unreachable!()
        };
        assert!(a.contains("DB_USERNAME=laravel\n"));
        assert!(a.contains(&format!("DB_PASSWORD={password}\n")));
        assert_ne!(a, dotenv(&s, "lure", Some(&db), None, None, None));
        assert!(
            wp_config(&s, Some(&db)).contains(&format!("define( 'DB_PASSWORD', '{password}' );"))
        );
    }
}
