;;; sdls-eglot.el --- sdls, the Serverless Devs language server, in Emacs with Eglot  -*- lexical-binding: t -*-

;; Eglot picks servers by major mode, so s.yaml files get their own mode derived from
;; `yaml-mode' (Debian: elpa-yaml-mode; Emacs 28 also needs elpa-eglot, Emacs 29+ has Eglot).
;; Files: s.yaml, s.yml, s-*.yaml, s-*.yml. Other YAML stays in plain `yaml-mode', untouched.
;;
;; Usage, in init.el:
;;   (load "/path/to/sdls/emacs/sdls-eglot.el")
;;   ;; optional: (setq sdls-eglot-program "/path/to/sdls")
;;   ;; optional: (setq sdls-eglot-settings '(:diagnostics (:unsetEnv "error")))

(require 'yaml-mode)
(require 'eglot)

(defvar sdls-eglot-program "sdls"
  "The sdls binary: a name on PATH or an absolute path (Eglot starts it from the project root,
so a relative path would not be found).")

(defvar sdls-eglot-settings nil
  "Settings of section `sdls' (a plist), e.g. (:diagnostics (:debounceMs 0)); sent as
initializationOptions and answered to `workspace/configuration'.")

(define-derived-mode sdls-yaml-mode yaml-mode "sdls-YAML"
  "YAML mode for Serverless Devs s.yaml files, managed by Eglot with sdls.")

(add-to-list 'auto-mode-alist '("/s\\(-[^/]*\\)?\\.ya?ml\\'" . sdls-yaml-mode))

(defun sdls-eglot--contact (_interactive)
  "The server command, read when Eglot connects (so later `setq's count)."
  (list sdls-eglot-program "serve" "--stdio"
        :initializationOptions (list :sdls (or sdls-eglot-settings (make-hash-table)))))

(add-to-list 'eglot-server-programs
             '((sdls-yaml-mode :language-id "yaml") . sdls-eglot--contact))

(setq-default eglot-workspace-configuration
              (cons (cons :sdls (or sdls-eglot-settings (make-hash-table)))
                    (assq-delete-all :sdls (default-value 'eglot-workspace-configuration))))

(add-hook 'sdls-yaml-mode-hook #'eglot-ensure)

(provide 'sdls-eglot)
;;; sdls-eglot.el ends here
