//! Layer 3's deception files: what a session's filesystem holds beyond the image when its
//! settings ask for it.
//!
//! The image is the node's and shared; the settings are the session's. So the files go into
//! the session's own overlay, the first time a line runs with a setting that wants them
//! ([`stage`]), and each set is placed once (a bit in
//! [`ShellState::deception_staged`](crate::shell::ShellState::deception_staged)): a file the
//! attacker deletes stays deleted, and nothing is taken away when a setting changes back (a
//! real host does not lose files either). Files that already exist are left alone, so a
//! planted honeytoken file keeps its contents and is still noticed when read. Every file gets
//! an old modification time drawn from the host's seed, as if it had been there for weeks.
//!
//! - richness rich: the configuration and programs of the services
//!   [`crate::host::richness`] adds (MySQL, Redis, Docker, nginx), their system accounts,
//!   root's crontab and a lived-in `~/.bash_history` for root;
//! - enticement high: breadcrumbs that point at the planted honeytokens from where intruders
//!   look first: `/root/notes.txt`, an admin's `~/.bash_history`;
//! - vulnerable path (anything but never): a root cron job in `/etc/cron.d` that runs a
//!   world-writable script (`ls -l` shows `-rwxrwxrwx`, `cat` shows the job).

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::HostProfile;
use super::fs::{Cred, Data, Fs, Overlay, Timestamp};
use crate::models::strategy::{Deception, Enticement, Richness, VulnerablePath};

/// [`ShellState::deception_staged`](crate::shell::ShellState::deception_staged) bit: the
/// rich host's files are in place.
pub const RICH: u8 = 1;
/// Bit: the breadcrumbs are in place.
pub const BREADCRUMBS: u8 = 2;
/// Bit: the vulnerable cron job is in place.
pub const VULNERABLE: u8 = 4;

/// The world-writable script root's cron job runs (the vulnerable path).
pub const VULNERABLE_SCRIPT: &str = "/usr/local/bin/backup-www.sh";
/// The cron job that runs it.
pub const VULNERABLE_JOB: &str = "/etc/cron.d/backup-www";

/// The sets of files `deception` wants, as bits.
pub fn wanted(deception: &Deception) -> u8 {
    let mut bits = 0;
    if deception.richness == Richness::Rich {
        bits |= RICH;
    }
    if deception.enticement == Enticement::High {
        bits |= BREADCRUMBS;
    }
    if deception.vulnerable != VulnerablePath::Never {
        bits |= VULNERABLE;
    }
    bits
}

/// Puts the files `deception` wants and `staged` does not have yet into `overlay`; returns
/// the bits now staged. With default settings nothing is touched.
pub fn stage(
    overlay: &mut Overlay,
    host: &HostProfile,
    deception: &Deception,
    staged: u8,
    now: DateTime<Utc>,
) -> u8 {
    let missing = wanted(deception) & !staged;
    if missing == 0 {
        return staged;
    }
    let mut fs = Fs::new(overlay, host, Cred::root(), now, "/");
    let mut put = Placer {
        fs: &mut fs,
        host,
        n: 0,
    };
    if missing & RICH != 0 {
        rich(&mut put);
    }
    if missing & BREADCRUMBS != 0 {
        breadcrumbs(&mut put);
    }
    if missing & VULNERABLE != 0 {
        vulnerable(&mut put);
    }
    staged | missing
}

/// Writes files with owners and old times.
struct Placer<'a, 'o> {
    fs: &'a mut Fs<'o>,
    host: &'a HostProfile,
    n: u64,
}

impl Placer<'_, '_> {
    /// A time some days before boot, different for each file, fixed by the seed.
    fn old_time(&mut self, days: i64) -> Timestamp {
        self.n += 1;
        let mix = (self.host.seed ^ self.n.wrapping_mul(0x9e37_79b9_7f4a_7c15))
            .wrapping_mul(0xbf58_476d_1ce4_e5b9);
        let secs = (mix % 86_400) as i64;
        Timestamp::from_datetime(
            self.host.boot_time - Duration::days(days) + Duration::seconds(secs),
        )
    }

    /// Writes `data` at `path` unless something is there; parents are made as root.
    fn put(&mut self, path: &str, data: Data, mode: u32, owner: &str, days: i64) -> bool {
        if self.fs.exists(path) {
            return false;
        }
        if let Some((parent, _)) = path.rsplit_once('/')
            && !parent.is_empty()
            && !self.fs.exists(parent)
        {
            self.fs.mkdir_all(parent, 0o755).ok();
            self.fs.chmod(parent, 0o755).ok();
        }
        if self.fs.write_data(path, data, mode).is_err() {
            return false;
        }
        self.fs.chmod(path, mode).ok();
        let accounts = self.fs.accounts();
        let cred = accounts.cred(owner);
        self.fs
            .chown(path, Some(cred.uid), Some(cred.gid), false)
            .ok();
        let time = self.old_time(days);
        self.fs.set_mtime(path, time).ok();
        true
    }

    fn text(&mut self, path: &str, text: &str, mode: u32, owner: &str, days: i64) -> bool {
        self.put(
            path,
            Data::Bytes(Arc::new(text.as_bytes().to_vec())),
            mode,
            owner,
            days,
        )
    }

    fn program(&mut self, path: &str, size: u64) {
        let name = path.rsplit('/').next().unwrap_or(path);
        self.put(
            path,
            Data::Binary {
                program: Arc::from(name),
                size,
            },
            0o755,
            "root",
            40,
        );
    }

    /// Adds system account `name` (with its own group) unless it exists.
    fn system_account(&mut self, name: &str, gecos: &str, home: &str) {
        let accounts = self.fs.accounts();
        if accounts.user(name).is_some() {
            return;
        }
        let Some(id) = (110..999)
            .find(|id| accounts.user_by_uid(*id).is_none() && accounts.group_by_gid(*id).is_none())
        else {
            return;
        };
        let day = self.host.boot_time.timestamp() / 86_400 - 40;
        let lines = [
            (
                "/etc/passwd",
                format!("{name}:x:{id}:{id}:{gecos}:{home}:/bin/false\n"),
            ),
            ("/etc/group", format!("{name}:x:{id}:\n")),
            ("/etc/shadow", format!("{name}:!:{day}::::::\n")),
        ];
        for (path, line) in lines {
            if self.fs.write(path, line.as_bytes(), true).is_ok() {
                let time = self.old_time(40);
                self.fs.set_mtime(path, time).ok();
            }
        }
    }

    /// The first admin account of the profile, if its home is there.
    fn admin(&self) -> Option<String> {
        let user = self.host.users.first()?;
        self.fs.exists(&user.home()).then(|| user.name.clone())
    }
}

const MY_CNF: &str = "#\n# The MySQL database server configuration file.\n#\n\
# You can copy this to one of:\n# - \"/etc/mysql/my.cnf\" to set global options,\n\
# - \"~/.my.cnf\" to set user-specific options.\n#\n\
# One can use all long options that the program supports.\n\
# Run program with --help to get a list of available options and with\n\
# --print-defaults to see which it would actually understand and use.\n#\n\
# For explanations see\n# http://dev.mysql.com/doc/mysql/en/server-system-variables.html\n\n\
#\n# * IMPORTANT: Additional settings that can override those from this file!\n\
#   The files must end with '.cnf', otherwise they'll be ignored.\n#\n\n\
!includedir /etc/mysql/conf.d/\n!includedir /etc/mysql/mysql.conf.d/\n";

const MYSQLD_CNF: &str = "#\n# The MySQL database server configuration file.\n#\n\
# One can use all long options that the program supports.\n\
# Run program with --help to get a list of available options and with\n\
# --print-defaults to see which it would actually understand and use.\n#\n\
# For explanations see\n# http://dev.mysql.com/doc/mysql/en/server-system-variables.html\n\n\
# Here is entries for some specific programs\n# The following values assume you have at least 32M ram\n\n\
[mysqld]\n#\n# * Basic Settings\n#\nuser\t\t= mysql\n\
# pid-file\t= /var/run/mysqld/mysqld.pid\n# socket\t= /var/run/mysqld/mysqld.sock\n\
# port\t\t= 3306\n# datadir\t= /var/lib/mysql\n\n\
# If MySQL is running as a replication slave, this should be\n\
# changed. Ref https://dev.mysql.com/doc/refman/8.0/en/server-system-variables.html#sysvar_tmpdir\n\
# tmpdir\t\t= /tmp\n#\n\
# Instead of skip-networking the default is now to listen only on\n\
# localhost which is more compatible and is not less secure.\n\
bind-address\t\t= 127.0.0.1\nmysqlx-bind-address\t= 127.0.0.1\n#\n# * Fine Tuning\n#\n\
key_buffer_size\t\t= 16M\nmax_allowed_packet\t= 64M\nthread_stack\t\t= 256K\n\n\
innodb_buffer_pool_size = 512M\n\n\
# Error log - should be very few entries.\n#\nlog_error = /var/log/mysql/error.log\n\
max_binlog_size   = 100M\n";

const REDIS_CONF: &str = "# Redis configuration file example.\n#\n\
# Note that in order to read the configuration file, Redis must be\n\
# started with the file path as first argument:\n#\n# ./redis-server /path/to/redis.conf\n\n\
bind 127.0.0.1 ::1\nprotected-mode yes\nport 6379\ntcp-backlog 511\ntimeout 0\n\
tcp-keepalive 300\ndaemonize yes\nsupervised auto\npidfile /run/redis/redis-server.pid\n\
loglevel notice\nlogfile /var/log/redis/redis-server.log\ndatabases 16\n\
save 900 1\nsave 300 10\nsave 60 10000\ndbfilename dump.rdb\ndir /var/lib/redis\n\
maxmemory 256mb\nmaxmemory-policy allkeys-lru\nappendonly no\n";

const NGINX_CONF: &str = "user www-data;\nworker_processes auto;\npid /run/nginx.pid;\n\
include /etc/nginx/modules-enabled/*.conf;\n\nevents {\n\tworker_connections 768;\n\
\t# multi_accept on;\n}\n\nhttp {\n\n\t##\n\t# Basic Settings\n\t##\n\n\tsendfile on;\n\
\ttcp_nopush on;\n\ttypes_hash_max_size 2048;\n\t# server_tokens off;\n\n\
\tinclude /etc/nginx/mime.types;\n\tdefault_type application/octet-stream;\n\n\
\t##\n\t# SSL Settings\n\t##\n\n\
\tssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3; # Dropping SSLv3, ref: POODLE\n\
\tssl_prefer_server_ciphers on;\n\n\t##\n\t# Logging Settings\n\t##\n\n\
\taccess_log /var/log/nginx/access.log;\n\terror_log /var/log/nginx/error.log;\n\n\
\t##\n\t# Gzip Settings\n\t##\n\n\tgzip on;\n\n\t##\n\t# Virtual Host Configs\n\t##\n\n\
\tinclude /etc/nginx/conf.d/*.conf;\n\tinclude /etc/nginx/sites-enabled/*;\n}\n";

const NGINX_SITE: &str = "server {\n\tlisten 80 default_server;\n\tlisten [::]:80 default_server;\n\n\
\troot /var/www/html;\n\n\tindex index.php index.html index.htm;\n\n\tserver_name _;\n\n\
\tlocation / {\n\t\ttry_files $uri $uri/ /index.php?$args;\n\t}\n\n\
\tlocation ~ \\.php$ {\n\t\tinclude snippets/fastcgi-php.conf;\n\
\t\tfastcgi_pass unix:/run/php/php-fpm.sock;\n\t}\n\n\
\tlocation ~ /\\.ht {\n\t\tdeny all;\n\t}\n}\n";

/// The template `crontab -e` starts from on Ubuntu, then root's jobs.
const ROOT_CRONTAB: &str = "# Edit this file to introduce tasks to be run by cron.\n\
# \n# Each task to run has to be defined through a single line\n\
# indicating with different fields when the task will be run\n\
# and what command to run for the task\n# \n\
# To define the time you can provide concrete values for\n\
# minute (m), hour (h), day of month (dom), month (mon),\n\
# and day of week (dow) or use '*' in these fields (for 'any').\n# \n\
# Notice that tasks will be started based on the cron's system\n\
# daemon's notion of time and timezones.\n# \n\
# Output of the crontab jobs (including errors) is sent through\n\
# email to the user the crontab file belongs to (unless redirected).\n# \n\
# For example, you can run a backup of all your user accounts\n\
# at 5 a.m every week with:\n# 0 5 * * 1 tar -zcf /var/backups/home.tgz /home/\n# \n\
# For more information see the manual pages of crontab(5) and cron(8)\n# \n\
# m h  dom mon dow   command\n\
15 3 * * * mysqldump --single-transaction --all-databases | gzip > /var/backups/mysql-$(date +\\%F).sql.gz\n\
*/5 * * * * redis-cli ping >/dev/null 2>&1 || systemctl restart redis-server\n\
30 4 * * 0 docker image prune -af >/dev/null 2>&1\n\
0 2 * * * find /var/backups -name 'mysql-*.sql.gz' -mtime +14 -delete\n";

const ROOT_HISTORY: &str = "apt update\napt upgrade -y\nsystemctl status nginx\n\
tail -n 100 /var/log/nginx/error.log\ndocker ps\ndocker compose -f /opt/app/docker-compose.yml up -d\n\
systemctl restart redis-server\nredis-cli info memory\nmysql -e 'show processlist'\n\
df -h\ndu -sh /var/lib/docker\ndocker system df\nls -la /var/backups/\ncrontab -e\n\
crontab -l\nnginx -t\nsystemctl reload nginx\nfree -m\nhtop\nss -tlnp\n\
journalctl -u mysql --since today\nexit\n";

fn rich(put: &mut Placer<'_, '_>) {
    put.system_account("mysql", "MySQL Server,,,", "/nonexistent");
    put.system_account("redis", "", "/var/lib/redis");
    put.text("/etc/mysql/my.cnf", MY_CNF, 0o644, "root", 60);
    put.text(
        "/etc/mysql/mysql.conf.d/mysqld.cnf",
        MYSQLD_CNF,
        0o644,
        "root",
        60,
    );
    put.text("/etc/redis/redis.conf", REDIS_CONF, 0o640, "redis", 58);
    put.text(
        "/etc/docker/daemon.json",
        "{\n  \"log-driver\": \"json-file\",\n  \"log-opts\": { \"max-size\": \"10m\", \"max-file\": \"3\" }\n}\n",
        0o644,
        "root",
        55,
    );
    put.text("/etc/nginx/nginx.conf", NGINX_CONF, 0o644, "root", 62);
    put.text(
        "/etc/nginx/sites-enabled/default",
        NGINX_SITE,
        0o644,
        "root",
        50,
    );
    put.program("/usr/sbin/mysqld", 63_112_344);
    put.program("/usr/bin/redis-server", 1_760_000);
    put.program("/usr/bin/dockerd", 96_583_952);
    put.program("/usr/bin/containerd", 51_245_912);
    put.program("/usr/sbin/nginx", 1_190_544);
    put.text(
        "/var/spool/cron/crontabs/root",
        ROOT_CRONTAB,
        0o600,
        "root",
        21,
    );
    put.text("/root/.bash_history", ROOT_HISTORY, 0o600, "root", 1);
}

fn breadcrumbs(put: &mut Placer<'_, '_>) {
    let mut notes = String::from("TODO\n");
    if put.fs.exists("/var/www/html/.env") {
        notes.push_str(
            "- rotate the app db password (it is in /var/www/html/.env, same one as mysql admin)\n",
        );
    }
    if put.fs.exists("/root/.aws/credentials") {
        notes.push_str(
            "- backup keys for s3 are in ~/.aws/credentials (profile default), move to vault\n",
        );
    }
    if put.fs.exists("/root/.ssh/id_rsa") {
        notes.push_str("- deploy key ~/.ssh/id_rsa still works on the old build box\n");
    }
    notes.push_str(
        "- move old wordpress dumps out of /var/backups\n- renew cert before end of month\n",
    );
    put.text("/root/notes.txt", &notes, 0o600, "root", 9);
    if let Some(admin) = put.admin() {
        let history = "sudo -i\ncat /var/www/html/.env\nmysql -u admin -p\n\
ls -la /var/backups/\nsudo cat /root/.aws/credentials\naws s3 ls\n\
ssh-keygen -l -f ~/.ssh/id_rsa.pub\nsudo systemctl restart nginx\nexit\n";
        let path = format!("/home/{admin}/.bash_history");
        put.text(&path, history, 0o600, &admin, 2);
    }
}

fn vulnerable(put: &mut Placer<'_, '_>) {
    put.text(
        VULNERABLE_JOB,
        &format!(
            "# nightly copy of the web root (ops ticket 1142)\nSHELL=/bin/sh\n\
PATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin\n\n\
*/10 * * * * root {VULNERABLE_SCRIPT} >/dev/null 2>&1\n"
        ),
        0o644,
        "root",
        33,
    );
    put.text(
        VULNERABLE_SCRIPT,
        "#!/bin/bash\n# copy the web root to the backup volume\n\
tar czf /var/backups/www-$(date +%F).tar.gz /var/www/html 2>/dev/null\n\
find /var/backups -name 'www-*.tar.gz' -mtime +7 -delete\n",
        0o777,
        "root",
        33,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::strategy::Deception;

    #[test]
    fn default_settings_stage_nothing() {
        assert_eq!(wanted(&Deception::default()), 0);
    }
}
