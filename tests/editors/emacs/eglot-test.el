;;; eglot-test.el --- one scenario of sdls in Emacs + Eglot, headless  -*- lexical-binding: t -*-
;; Env: SDLS_REPO (the checkout: its emacs/sdls-eglot.el is loaded as a user would), SDLS_BIN,
;; SCENARIO (fix | other-yaml), TEST_FILE, and for `fix': EXPECT_LINE (0-based), EXPECT_BEFORE,
;; EXPECT_AFTER, EXPECT_TITLE. Prints one JSON line; exits 0 on success.

(require 'package)
(setq package-user-dir (make-temp-file "elpa" t))                        ; never touch ~/.emacs.d
(setq package-directory-list (list "/usr/share/emacs/site-lisp/elpa"))  ; Debian's elpa-* under -Q
(package-initialize)
(require 'json)
(load (expand-file-name "emacs/sdls-eglot.el" (getenv "SDLS_REPO")))
(setq sdls-eglot-program (getenv "SDLS_BIN"))
(setq eglot-sync-connect t eglot-autoshutdown t eglot-events-buffer-size 0)

(defvar test-result nil)

(defun test-wait (pred secs)
  (let ((deadline (+ (float-time) secs)))
    (while (and (not (funcall pred)) (< (float-time) deadline))
      (accept-process-output nil 0.05))  ; in batch mode this runs process filters and timers
    (funcall pred)))

(defun test-finish (status reason)
  (push (cons 'status status) test-result)
  (push (cons 'reason reason) test-result)
  (princ (concat (json-encode test-result) "\n"))
  (ignore-errors (eglot-shutdown (eglot-current-server)))
  (kill-emacs status))

(defun test-line ()
  (buffer-substring-no-properties (line-beginning-position) (line-end-position)))

(defun test-ours (d)
  (string-match-p "\\[unknown-property\\]" (flymake-diagnostic-text d)))

(condition-case err
    (let ((file (expand-file-name (getenv "TEST_FILE")))
          (scenario (getenv "SCENARIO")))
      (push (cons 'emacs emacs-version) test-result)
      (find-file file)
      (push (cons 'mode (symbol-name major-mode)) test-result)
      ;; `eglot-ensure' connects from `post-command-hook', which never runs in --batch.
      (run-hooks 'post-command-hook)
      (cond
       ((equal scenario "other-yaml")
        (when (eq major-mode 'sdls-yaml-mode) (test-finish 1 "other YAML got sdls-yaml-mode"))
        (test-wait (lambda () nil) 1)
        (when (eglot-current-server) (test-finish 1 "other YAML is managed by Eglot"))
        (test-finish 0 "ok"))
       ((equal scenario "fix")
        (unless (eglot-current-server) (test-finish 1 "no Eglot server for s.yaml"))
        (unless (test-wait (lambda () (seq-find #'test-ours (flymake-diagnostics))) 20)
          (test-finish 1 "no unknown-property diagnostic"))
        (let* ((d (seq-find #'test-ours (flymake-diagnostics)))
               (want-line (string-to-number (getenv "EXPECT_LINE"))))
          (push (cons 'diagnostic (flymake-diagnostic-text d)) test-result)
          (goto-char (flymake-diagnostic-beg d))
          (unless (= (1- (line-number-at-pos)) want-line)
            (test-finish 1 (format "diagnostic on line %d, expected %d" (1- (line-number-at-pos)) want-line)))
          (unless (equal (test-line) (getenv "EXPECT_BEFORE"))
            (test-finish 1 (format "unexpected line before the fix: %s" (test-line))))
          ;; The server's actions at the diagnostic; the one with the expected title is run through
          ;; Eglot's own executor (workspace edit applied by the editor).
          (let* ((actions (eglot-code-actions (flymake-diagnostic-beg d) (flymake-diagnostic-end d) "quickfix"))
                 (title (getenv "EXPECT_TITLE"))
                 (chosen (seq-find (lambda (a) (equal (plist-get a :title) title)) actions)))
            (push (cons 'actions (mapcar (lambda (a) (plist-get a :title)) actions)) test-result)
            (unless chosen (test-finish 1 (format "no action titled %s" title)))
            (eglot--read-execute-code-action (list chosen) (eglot-current-server) "quickfix"))
          ;; As a user would: save (Eglot flushes its pending didChange on save).
          (save-buffer)
          (goto-char (point-min))
          (forward-line want-line)
          (push (cons 'line (test-line)) test-result)
          (unless (equal (test-line) (getenv "EXPECT_AFTER"))
            (test-finish 1 "the fix did not give the expected line"))
          (unless (test-wait (lambda () (not (seq-find #'test-ours (flymake-diagnostics)))) 20)
            (test-finish 1 "the diagnostic did not clear"))
          (push (cons 'cleared t) test-result)
          (test-finish 0 "ok")))
       (t (test-finish 2 (format "unknown scenario %s" scenario)))))
  (error (test-finish 3 (format "%S" err))))
